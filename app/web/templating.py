"""Jinja2 for the pages: autoescape on for every template, whatever its name."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"

environment = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True)
templates = Jinja2Templates(env=environment)
