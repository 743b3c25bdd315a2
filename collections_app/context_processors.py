from .roles import LABELS, Role, role_of


def roles(request) -> dict:
    role = role_of(request.user)
    return {"user_role": role, "user_role_label": LABELS.get(role, ""), "Role": Role}
