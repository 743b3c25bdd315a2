from .roles import Role, role_of


def roles(request) -> dict:
    return {"user_role": role_of(request.user), "Role": Role}
