#!/usr/bin/env python3
"""ZXing-C++ on the decode benchmark's frames, the baseline that decode-bench compares
our decoder with.

Reads image paths from stdin, one a line. Prints a first JSON line describing the
reader, then one JSON line per file: {"file", "ms", "codes": [{"symbology", "text"}]}.
`ms` times `zxingcpp.read_barcodes` alone: reading and converting the file is not
counted, as decode-bench does not count it for ours. The first file is decoded once
untimed beforehand, so that one-off start-up costs land on no frame.

    zxing_decode.py code128,qr,datamatrix,pdf417 < paths.txt

Needs the venv of scripts/setup.sh (`ensure_zxing_cpp`).
"""

import importlib.metadata
import json
import sys
import time

import numpy
import zxingcpp
from PIL import Image

# Our symbology names (decode::Symbology, serialised) and ZXing-C++'s formats.
FORMATS = {
    "code128": zxingcpp.BarcodeFormat.Code128,
    "qr": zxingcpp.BarcodeFormat.QRCode,
    "datamatrix": zxingcpp.BarcodeFormat.DataMatrix,
    "pdf417": zxingcpp.BarcodeFormat.PDF417,
    "maxicode": zxingcpp.BarcodeFormat.MaxiCode,
}
OUR_NAME = {fmt: name for name, fmt in FORMATS.items()}

# Plain: the decoded bytes as text, GS1's inner FNC1s as GS (ASCII 29); the default (HRI)
# would print GS1 data as "(420)…". GS1 data is then prefixed with its symbology
# identifier (`]C1` for GS1-128), as a scanner with AIM identifiers sends it and as our
# decoder reports it, so that the carrier rules know it is GS1.
TEXT_MODE = zxingcpp.TextMode.Plain


def text_of(code):
    if code.content_type == zxingcpp.ContentType.GS1:
        return code.symbology_identifier + code.text
    return code.text


def luma(path):
    with Image.open(path) as image:
        return numpy.asarray(image.convert("L"))


def decode(image, formats):
    start = time.perf_counter()
    found = zxingcpp.read_barcodes(image, formats=formats, text_mode=TEXT_MODE)
    return (time.perf_counter() - start) * 1e3, found


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} SYMBOLOGY,… < paths")
    try:
        wanted = [FORMATS[name] for name in sys.argv[1].split(",")]
    except KeyError as unknown:
        sys.exit(f"unknown symbology {unknown}; known: {', '.join(FORMATS)}")
    formats = tuple(wanted)
    paths = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    print(
        json.dumps(
            {
                "reader": "zxing-cpp",
                "version": importlib.metadata.version("zxing-cpp"),
                "options": {
                    "formats": sys.argv[1],
                    "text_mode": "Plain, GS1 data prefixed with its symbology identifier",
                    "try_rotate": True,
                    "try_downscale": True,
                    "try_invert": True,
                    "binarizer": "LocalAverage",
                },
            }
        ),
        flush=True,
    )
    if paths:
        decode(luma(paths[0]), formats)
    for path in paths:
        ms, found = decode(luma(path), formats)
        codes = [
            {"symbology": OUR_NAME.get(code.format, str(code.format)), "text": text_of(code)}
            for code in found
        ]
        print(json.dumps({"file": path, "ms": ms, "codes": codes}), flush=True)


if __name__ == "__main__":
    main()
