"""Random-weight MusicGen models and a small word-level tokenizer, for tests and benchmarks.

Nothing here touches the network: configurations are written out in code. ``tiny`` is a few
hundred thousand parameters with a toy codec; ``tiny-32k`` is the same tiny text encoder and LM with
the released 32 kHz EnCodec shape (640 samples per frame), for end-to-end tests that decode real-length
audio; ``tiny-32k-slim`` has that codec's audio shape (32 kHz, 640 samples per frame) at a fraction
of its width, for end-to-end tests that must decode minutes of audio on a CPU;
``small``/``medium``/``large`` have the released decoder shapes with a T5-base-shaped text
encoder (random weights cost the same time as the released ones).

Save one for serving with ``python -m musicgen_serving.random_model tiny-32k OUT_DIR`` (add
``--dtype float16 --device cuda`` for a large one: built on the GPU, half the disk). Every config
built here carries ``musicgen_random_weights: true`` (saved in config.json), so a server running these
weights reports ``"weights": "random"`` and can never pass for a released MusicGen.
"""

from __future__ import annotations

import torch

from .checkpoint import RANDOM_WEIGHTS_KEY

DECODER_SHAPES = {
    # hidden, layers, heads, ffn
    "tiny": (64, 2, 4, 128),
    "tiny-32k": (64, 2, 4, 128),
    "tiny-32k-slim": (64, 2, 4, 128),
    "small": (1024, 24, 16, 4096),
    "medium": (1536, 48, 24, 6144),
    "large": (2048, 48, 32, 8192),
}

WORDS = (
    "lofi hip hop beat with piano and soft drums calm ambient pad warm synth bass guitar "
    "upbeat electronic dance track orchestral strings cinematic epic jazz saxophone rock "
    "energetic slow fast happy sad dark bright a an the of in on"
).split()


def build_tokenizer():
    """A word-level T5-style tokenizer (pad 0, eos 1, unk 2) that appends ``</s>`` like T5."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for w in WORDS:
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


def build_config(size: str = "tiny"):
    from transformers import EncodecConfig, MusicgenConfig, MusicgenDecoderConfig, T5Config

    if size not in DECODER_SHAPES:
        raise ValueError(
            f"Cannot build a random MusicGen as size must be one of {sorted(DECODER_SHAPES)}: "
            f"current value is {size!r}"
        )
    hidden, layers, heads, ffn = DECODER_SHAPES[size]
    codec_32k = EncodecConfig(
        sampling_rate=32000,
        upsampling_ratios=[8, 5, 4, 4],
        hidden_size=128,
        num_filters=64,
        num_lstm_layers=2,
        codebook_size=2048,
        target_bandwidths=[2.2],
        use_causal_conv=False,
        use_conv_shortcut=False,  # audiocraft's SEANet uses identity skips (true_skip)
        normalize=False,
    )
    if size.startswith("tiny"):
        t5 = T5Config(
            vocab_size=64,
            d_model=32,
            d_kv=8,
            d_ff=64,
            num_layers=2,
            num_heads=4,
            relative_attention_num_buckets=8,
            dropout_rate=0.0,
        )
        codec = codec_32k
        if size == "tiny-32k-slim":
            # the contract's audio (32 kHz, 640 samples per frame) from a narrow codec: ~1 s of CPU to
            # decode 30 s, where the released width takes over a minute; for end-to-end tests
            codec = EncodecConfig(
                sampling_rate=32000,
                upsampling_ratios=[8, 5, 4, 4],
                hidden_size=16,
                codebook_dim=16,
                num_filters=8,
                num_lstm_layers=1,
                codebook_size=2048,
                target_bandwidths=[2.2],
                use_causal_conv=False,
                use_conv_shortcut=False,
                normalize=False,
            )
        if size == "tiny":
            codec = EncodecConfig(
                sampling_rate=800,
                upsampling_ratios=[4, 4],
                hidden_size=16,
                num_filters=4,
                num_lstm_layers=1,
                codebook_size=2048,
                target_bandwidths=[2.2],
                use_causal_conv=False,
                normalize=False,
            )
    else:
        t5 = T5Config(vocab_size=64, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12, dropout_rate=0.0)
        codec = codec_32k
    dec = MusicgenDecoderConfig(
        vocab_size=2048,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        ffn_dim=ffn,
        num_codebooks=4,
        max_position_embeddings=2048,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        pad_token_id=2048,
        bos_token_id=2048,
    )
    cfg = MusicgenConfig(text_encoder=t5.to_dict(), audio_encoder=codec.to_dict(), decoder=dec.to_dict())
    cfg.decoder_start_token_id = 2048
    cfg.pad_token_id = 2048
    setattr(cfg, RANDOM_WEIGHTS_KEY, True)  # saved in config.json: servers report "weights": "random"
    return cfg


def build_model(size: str = "tiny", seed: int = 0, device: str = "cpu", dtype: torch.dtype = torch.float32):
    """A randomly initialised ``MusicgenForConditionalGeneration`` in eval mode."""
    from transformers import MusicgenForConditionalGeneration

    torch.manual_seed(seed)
    cfg = build_config(size)
    if device != "cpu" and hasattr(torch, "get_default_device"):
        with torch.device(device):
            model = MusicgenForConditionalGeneration(cfg)
    else:
        model = MusicgenForConditionalGeneration(cfg)
    model = model.to(device=device, dtype=dtype).eval()
    gen = model.generation_config
    gen.decoder_start_token_id = gen.pad_token_id = gen.bos_token_id = 2048
    return model


def save_random_model(
    size: str, out_dir: str, seed: int = 0, dtype: torch.dtype = torch.float32, device: str = "cpu"
) -> None:
    """Writes a random model and the word-level tokenizer with ``save_pretrained`` (loadable offline).

    ``dtype`` is the dtype of the saved tensors (float16 halves the disk; the servers cast to their own
    ``dtype`` when they load); ``device`` is where the random weights are drawn (``cuda`` is much faster
    for the large shapes).
    """
    model = build_model(size, seed=seed, device=device, dtype=dtype)
    model.save_pretrained(out_dir)
    build_tokenizer().save_pretrained(out_dir)


def main(argv=None) -> None:
    import argparse

    p = argparse.ArgumentParser(prog="python -m musicgen_serving.random_model", description=save_random_model.__doc__)
    p.add_argument("size", choices=sorted(DECODER_SHAPES))
    p.add_argument("out_dir")
    p.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    save_random_model(args.size, args.out_dir, args.seed, getattr(torch, args.dtype), args.device)


if __name__ == "__main__":
    main()
