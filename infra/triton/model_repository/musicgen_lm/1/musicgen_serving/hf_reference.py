"""Reference codes from transformers' own MusicGen ``generate()``, for parity tests and the benchmark.

``generate()`` decodes audio at the end; the codes it hands to EnCodec are captured on the way,
which works across transformers versions. Returned codes are [4, frames] without the delay
pattern and without the prompt, as the serving contract defines them.
"""

import numpy as np
import torch


@torch.no_grad()
def transformers_codes(model, tokenizer, text, num_frames, guidance_scale, prompt_codes=None):
    enc = tokenizer([text], return_tensors="pt")
    device = next(model.parameters()).device
    captured = {}
    original = model.audio_encoder.decode

    def capture(codes, *args, **kwargs):
        captured["codes"] = codes.detach().clone()
        return original(codes, *args, **kwargs)

    kwargs = dict(
        input_ids=enc["input_ids"].to(device),
        attention_mask=enc["attention_mask"].to(device),
        do_sample=False,
        guidance_scale=guidance_scale,
        max_new_tokens=num_frames + 3,
    )
    if prompt_codes is not None:
        kwargs["decoder_input_ids"] = torch.as_tensor(prompt_codes, device=device).reshape(4, -1)
    model.audio_encoder.decode = capture
    try:
        model.generate(**kwargs)
    finally:
        model.audio_encoder.decode = original
    if "codes" not in captured:
        raise RuntimeError("Cannot take reference codes as generate() never called audio_encoder.decode")
    codes = captured["codes"][0, 0].cpu().numpy().astype(np.int64)
    return codes if prompt_codes is None else codes[:, prompt_codes.shape[1] :]
