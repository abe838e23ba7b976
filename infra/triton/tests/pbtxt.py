"""Just enough of a protobuf text-format reader to check config.pbtxt in tests."""

import re


def _tokens(text):
    text = re.sub(r"#[^\n]*", "", text)
    return list(re.findall(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', text))


def parse(text):
    """Returns a dict; repeated fields become lists; scalars are str, int, float or bool."""
    toks = _tokens(text)
    pos = 0

    def value(tok):
        if tok.startswith('"'):
            return tok[1:-1]
        if tok in ("true", "false"):
            return tok == "true"
        try:
            return int(tok)
        except ValueError:
            try:
                return float(tok)
            except ValueError:
                return tok  # enum

    def message(end):
        nonlocal pos
        out = {}
        while pos < len(toks) and toks[pos] != end:
            key = toks[pos]
            pos += 1
            if toks[pos] == ":":
                pos += 1
            if toks[pos] == "{":
                pos += 1
                val = message("}")
                pos += 1
            elif toks[pos] == "[":
                pos += 1
                val = []
                while toks[pos] != "]":
                    if toks[pos] == ",":
                        pos += 1
                        continue
                    if toks[pos] == "{":
                        pos += 1
                        val.append(message("}"))
                    else:
                        val.append(value(toks[pos]))
                    pos += 1
                pos += 1
            else:
                val = value(toks[pos])
                pos += 1
            if isinstance(val, list):
                out.setdefault(key, []).extend(val)
            elif key in out:
                prev = out[key]
                out[key] = (prev if isinstance(prev, list) else [prev]) + [val]
            else:
                out[key] = val
            if pos < len(toks) and toks[pos] == ",":
                pos += 1
        return out

    return message(None)
