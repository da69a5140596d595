from flask import Blueprint
bp = Blueprint('bulk', __name__)

