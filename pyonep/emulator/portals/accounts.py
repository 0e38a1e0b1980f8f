"""What users of the emulated Portals domain may see of users and hand out: user and
account objects, tokens, permissions, the domain listing (rules only; ``portals_api.py``
speaks HTTP).

- A user may always see its own user object, account, token and permissions; seeing
  another user's needs ``d_u_view`` (or ``d_u_list``, or ``___admin``) on the domain.
- Adding or deleting a user's permissions needs ``d_u_view`` on the domain, and for each
  permission, access to its object: a domain admin has it for every object of the
  domain; another user needs the same access on the domain, or at least the level the
  permission gives on a portal, device or data source. Adding one the user holds, or
  deleting one it does not, answers 409 and changes nothing.
"""
from pyonep.emulator.portals.domain import LEVELS, MANAGE, VIEW
from pyonep.emulator.portals.users import PortalsError, parse_permissions


def account_object(user):
    """Return the Account object of ``user``."""
    return {'email': user['email'], 'fullName': user['full_name'], 'id': user['id'],
            'rid': user['rid'], 'meta': user['meta'], 'phoneNumber': user['phone'],
            'userName': user['user_name']}


class Accounts(object):
    """The user-facing rules of a :class:`~pyonep.emulator.portals.Portals` domain.

    Argument: ``portals``. Methods taking ``caller`` (the authenticated user) raise
    :class:`~pyonep.emulator.portals.users.PortalsError` when a rule refuses.
    """

    def __init__(self, portals):
        self.portals = portals
        self.users = portals.users

    def user_object(self, user):
        """Return the User object of ``user``."""
        return dict(account_object(user), activated=True, groups=[],
                    permissions=self.users.permissions(user))

    def visible_user(self, caller, user_id):
        """Return user ``user_id`` (``_this``: the caller) when the caller may see it:
        itself, or with ``d_u_view`` on the domain. Raises 404 for an unknown user, 403."""
        user = self.users.resolve(caller, user_id)
        if user['id'] != caller['id']:
            self.portals.need_domain(caller, 'd_u_view')
        return user

    def sign_up(self, body):
        """Create a user from a sign-up body (``email`` required; ``password``,
        ``userName``, ``Firstname``, ``Lastname`` optional; other keys ignored) and return
        its User object. Raises 400 for a bad body, 409 for a taken e-mail address."""
        if not isinstance(body, dict):
            raise PortalsError(400, 'the body must be a user object')
        names = [body.get(key) for key in ('Firstname', 'Lastname')]
        full = ' '.join(n for n in names if isinstance(n, str) and n)
        user = self.users.create(body.get('email'), body.get('password'), body.get('userName'),
                                 full_name=full)
        return self.user_object(user)

    def token(self, caller, user_id):
        """Make a token for user ``user_id`` (the caller's own, or with ``d_u_view``)."""
        return self.users.new_token(self.visible_user(caller, user_id))

    def permissions(self, caller, user_id, types=None):
        """Return the permission objects of user ``user_id``, only of the object
        ``types`` (a list) when given."""
        return self.users.permissions(self.visible_user(caller, user_id), types)

    def all_accounts(self, caller):
        """Return the Account object of every user (needs ``d_u_view``)."""
        self.portals.need_domain(caller, 'd_u_view')
        return [account_object(u) for u in self.users.all()]

    def account(self, caller, key):
        """Return the Account object of the user whose e-mail address or id is ``key``
        (the caller's own, or with ``d_u_view``; 404 for an unknown one then)."""
        user = self.users.by_email(key) if '@' in key else self.users.get(key)
        if user is None or user['id'] != caller['id']:
            self.portals.need_domain(caller, 'd_u_view')
        if user is None:
            raise PortalsError(404, 'no account %r in this domain' % (key,))
        return account_object(user)

    def domain_entry(self, caller):
        """Return the domain as ``GET /domain/`` lists it for ``caller``: ``role``
        (``admin`` or ``user``), ``rid`` and ``domain``, and for an admin the vendor
        ``name`` and ``token`` (for the provisioning API; no token when it was deleted)."""
        portals = self.portals
        entry = {'role': 'user', 'rid': portals.domain_rid, 'domain': portals.domain}
        if portals.is_admin(caller):
            entry.update(role='admin', name=portals.vendor)
            tokens = portals.fleet.vendors.token_ids(portals.vendor)
            if tokens:
                entry['token'] = portals.fleet.vendors.get_token(portals.vendor, tokens[0])
        return entry

    def change_permissions(self, caller, user_id, body, add):
        """Add (``add`` true) or delete the permissions of the JSON list ``body`` for user
        ``user_id``; all or nothing. Returns the user. Raises 400 for a bad body, 403,
        404 unknown user, 409 (see the module docstring)."""
        user = self.users.resolve(caller, user_id)
        self.portals.need_domain(caller, 'd_u_view')
        wanted = parse_permissions(body)
        for access, otype, oid in wanted:
            self.check_grant(caller, access, otype, oid)
            held = access in self.users.accesses(user, otype, oid)
            if held == add:
                raise PortalsError(409, 'the user %s %s on %s %s' % (
                    'already holds' if add else 'does not hold', access, otype, oid))
        with self.portals.store.transaction():
            for permission in wanted:
                (self.users.grant if add else self.users.revoke)(user, *permission)
        return user

    def check_grant(self, caller, access, otype, oid):
        """Raise :class:`PortalsError` unless ``caller`` may give (or take) the permission
        ``access`` on ``otype``/``oid`` (see the module docstring). An object that is not
        in the domain answers 400 to a domain admin and 403 to anyone else."""
        admin = self.portals.is_admin(caller)
        level = self._object_level(caller, otype, oid)
        if level is None:
            raise PortalsError(400 if admin else 403, 'no %s %r in this domain' % (otype, oid))
        if admin:
            return
        if otype == 'Domain':
            allowed = access in self.users.accesses(caller, 'Domain', oid)
        else:
            allowed = level >= LEVELS[otype].get(access, MANAGE if access == 'p_m_crea' else VIEW)
        if not allowed:
            raise PortalsError(403, 'you may not hand out %s on %s %s' % (access, otype, oid))

    def _object_level(self, user, otype, oid):
        """Return ``user``'s level on an object, or None when it is not in the domain."""
        portals = self.portals
        try:
            if otype == 'Domain':
                return None if oid != portals.domain_id else 0
            if otype == 'Portal':
                return portals.portal_level(user, portals._portal(oid))
            if otype == 'Device':
                device, portal = portals.device(oid)
                return portals.device_level(user, device, portal)
            return portals.data.level(user, portals.data.find(oid))
        except PortalsError:
            return None
