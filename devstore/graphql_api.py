from flask import Blueprint
bp = Blueprint('graphql_api', __name__)

def schema_ready():
    return False
def warm_schema():
    pass
