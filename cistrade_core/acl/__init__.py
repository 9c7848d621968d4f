"""Users, groups with a parent hierarchy, permissions and eight-hour sessions."""

from cistrade_core.acl.admin import AclAdmin
from cistrade_core.acl.authz import Actor, require
from cistrade_core.acl.model import SESSION_TTL, Access, Resource, Session, SystemActor
from cistrade_core.acl.sessions import SessionManager

__all__ = [
    "SESSION_TTL", "Access", "AclAdmin", "Actor", "Resource", "Session", "SessionManager",
    "SystemActor", "require",
]
