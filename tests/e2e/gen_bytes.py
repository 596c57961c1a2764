"""The body of GET /gen/N of xtcp-http-example: byte i is
(i * 7 + i // 4096) & 0xff. Usage: gen_bytes.py N > file (stdlib only).

Within 4096-byte block k, byte j is (7 * j + k) & 0xff (4096 * 7 is a
multiple of 256), so each block is the first one shifted by k."""
import sys

BLOCK = 4096
_BASE = bytes((7 * j) & 0xFF for j in range(BLOCK))
_SHIFT = [bytes((b + k) & 0xFF for b in range(256)) for k in range(256)]


def gen(n, start=0):
    """Bytes [start, start + n) of the pattern."""
    out = bytearray()
    i = start
    end = start + n
    while i < end:
        k, j = divmod(i, BLOCK)
        take = min(BLOCK - j, end - i)
        out += _BASE[j:j + take].translate(_SHIFT[k & 0xFF])
        i += take
    return bytes(out)


def write(n, out):
    step = 1 << 20
    for start in range(0, n, step):
        out.write(gen(min(step, n - start), start))


if __name__ == "__main__":
    write(int(sys.argv[1]), sys.stdout.buffer)
