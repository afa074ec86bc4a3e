"""The bare Flask app /health is compared with: `gunicorn benchmarks.hello_app:app`."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """One word, as cheap as Flask gets."""
    return "ok"
