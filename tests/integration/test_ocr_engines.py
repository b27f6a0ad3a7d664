"""Contract of the OCR engines (services/ingest/ocr.py), run against each one.

Needs the Debian packages tesseract-ocr, tesseract-ocr-chi-sim and
fonts-wqy-zenhei, and the pip package rapidocr-onnxruntime (``make test``
installs them)::

    .venv/bin/python -m pytest tests/integration/test_ocr_engines.py
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from shared.domain.errors import InvalidInput
from services.ingest.ocr import engine, recognise_pages
from tests.samples import make_png, render_page

ENGINES = ("tesseract", "rapidocr")
TEXT = "合同 甲方 乙方 Lease contract"


def _squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("name", ENGINES)
def test_engine_reads_chinese_and_english(name: str) -> None:
    ocr = engine(name)
    assert ocr.name == name

    text = ocr.recognise(render_page(TEXT, seed=1))

    assert "合同" in _squeeze(text)
    assert "甲方" in _squeeze(text)
    assert "contract" in text.lower()


@pytest.mark.parametrize("name", ENGINES)
def test_recognise_pages_keeps_page_order(name: str, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    render_page(f"{TEXT}\n第一页 page one", seed=2).save(buffer, "PNG")
    second = make_png(tmp_path, text=f"{TEXT}\n第二页 page two", seed=3)

    first_text, second_text = recognise_pages(name, [buffer.getvalue(), second], workers=2)

    assert "第一页" in _squeeze(first_text) and "one" in first_text.lower()
    assert "第二页" in _squeeze(second_text) and "two" in second_text.lower()


@pytest.mark.parametrize("unknown", ["abbyy", "", "Tesseract"])
def test_factory_refuses_an_unknown_engine(unknown: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        engine(unknown)
    assert "rapidocr" in refused.value.message and "tesseract" in refused.value.message

    with pytest.raises(InvalidInput):
        recognise_pages(unknown, [b"not even an image"], workers=1)
