"""URL rules of the result pages (issue 3 fills these in)."""
from flask import Blueprint

bp = Blueprint("results", __name__)
