from flask import Blueprint
bp = Blueprint('control', __name__)

def install_fault_hooks(app):
    pass
