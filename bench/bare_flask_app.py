"""The bare Flask app bench/webhook_intake.py compares the receiver with: a POST /webhooks
that reads the body and answers 200, nothing else (no HMAC, no database, no broker)."""
from flask import Flask, request

app = Flask(__name__)


@app.post("/webhooks")
def receive():
    request.get_data(cache=False)
    return {"status": "accepted"}, 200
