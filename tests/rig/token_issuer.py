#!/usr/bin/python3
"""The bearer-token issuer of mmerge's test rig (Docker token authentication, distribution 2.8).

It implements the token server side of distribution's docs/spec/auth: token.md (GET /token with
several `scope` parameters and optional Basic credentials), oauth.md (POST /token with
`grant_type=password` or `grant_type=refresh_token`) and jwt.md (the JWT the registry verifies in
registry/auth/token/token.go: `x5c` header chaining to `auth.token.rootcertbundle`, `aud` a plain
string equal to the service, ES256 signatures as raw R||S, `access` claim).

Access control (granted access is the intersection of what is asked and what is allowed; a
partial grant is never an error, token.md says so):
  writer (the rig's main user): pull, push, delete on every repository; registry:catalog:*
  reader:                       pull on every repository
  anonymous:                    pull on repositories under public/

Every request is logged as one JSON line (time, method, path, grant_type, service, client_id,
scopes, granted, user or "anonymous", status) so that tests can count token round trips. Neither
passwords nor tokens (access or refresh) are ever logged.

Usage:
  token_issuer.py serve --listen HOST:PORT --tls-cert F --tls-key F --signing-key F
                        --signing-cert F --issuer NAME --service NAME --users F --log F [--ttl S]
  token_issuer.py add-user --users F --name NAME --role writer|reader   (password on stdin)

Only the Python standard library and python3-cryptography are used.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import os
import secrets
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

TOKEN_PATH = "/token"
MAX_FORM_BYTES = 64 * 1024  # an OAuth2 form is a few hundred bytes; refuse anything huge
MAX_QUERY_SCOPES = 64
PBKDF2_ITERATIONS = 20000  # a test rig: enough to not store passwords in clear, fast to check
HANDSHAKE_TIMEOUT_SECONDS = 10
IDLE_TIMEOUT_SECONDS = 30  # how long a kept-alive connection may wait for its next request

ROLE_ACTIONS = {
    "writer": {"repository": {"pull", "push", "delete", "*"}, "registry": {"*"}},
    "reader": {"repository": {"pull"}},
}
ANONYMOUS_PREFIX = "public/"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rfc3339(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


# --- users -------------------------------------------------------------------------------------

def hash_password(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PBKDF2_ITERATIONS).hex()


def add_user(path, name, role, password):
    users = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            users = json.load(f)
    salt = secrets.token_bytes(16)
    users[name] = {"role": role, "salt": salt.hex(), "pbkdf2_sha256": hash_password(password, salt)}
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(users, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


class Users:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self._users = json.load(f)

    def check(self, name, password):
        """Returns the role of `name` when `password` is right, else None."""
        entry = self._users.get(name)
        if entry is None:
            # Hash anyway so that an unknown user takes as long as a wrong password.
            hash_password(password, b"\0" * 16)
            return None
        expected = entry["pbkdf2_sha256"]
        actual = hash_password(password, bytes.fromhex(entry["salt"]))
        return entry["role"] if hmac.compare_digest(expected, actual) else None

    def role(self, name):
        entry = self._users.get(name)
        return entry["role"] if entry else None


# --- scopes and access -------------------------------------------------------------------------

class BadRequest(Exception):
    pass


def parse_scope(text):
    """`type[(class)]:name:actions`; the name may hold `host:port`, so the actions follow the
    last colon and the type precedes the first."""
    first = text.find(":")
    last = text.rfind(":")
    if first <= 0 or last == first:
        raise BadRequest(f"invalid scope {text!r}: expected type:name:actions")
    rtype, name, actions = text[:first], text[first + 1:last], text[last + 1:]
    rclass = None
    if rtype.endswith(")") and "(" in rtype:
        rtype, rclass = rtype[:-1].split("(", 1)
    if not name:
        raise BadRequest(f"invalid scope {text!r}: empty resource name")
    return {"type": rtype, "class": rclass, "name": name,
            "actions": [a for a in actions.split(",") if a]}


def allowed_actions(role, rtype, name):
    if role is None:
        if rtype == "repository" and name.startswith(ANONYMOUS_PREFIX):
            return {"pull"}
        return set()
    if rtype == "registry" and name != "catalog":
        return set()
    return ROLE_ACTIONS.get(role, {}).get(rtype, set())


def grant(role, requested):
    """Intersects each requested scope with the ACL; merges repeated resources."""
    granted = {}
    for scope in requested:
        allowed = allowed_actions(role, scope["type"], scope["name"])
        key = (scope["type"], scope["class"], scope["name"])
        entry = granted.setdefault(key, [])
        for action in scope["actions"]:
            if action in allowed and action not in entry:
                entry.append(action)
    access = []
    for (rtype, rclass, name), actions in granted.items():
        if not actions:
            continue
        item = {"type": rtype, "name": name, "actions": actions}
        if rclass:
            item["class"] = rclass
        access.append(item)
    return access


def scope_strings(access):
    out = []
    for item in access:
        rtype = item["type"] + (f"({item['class']})" if item.get("class") else "")
        out.append(f"{rtype}:{item['name']}:{','.join(item['actions'])}")
    return out


# --- JWT ---------------------------------------------------------------------------------------

class Signer:
    """Signs JWTs with the rig's token key; `x5c` carries the signing certificate, which the
    registry verifies against its rootcertbundle (the rig CA)."""

    def __init__(self, key_path, cert_path):
        with open(key_path, "rb") as f:
            self._key = serialization.load_pem_private_key(f.read(), password=None)
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        self._x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            bits = self._key.curve.key_size
            self._hash = {256: hashes.SHA256, 384: hashes.SHA384, 521: hashes.SHA512}[bits]()
            self.alg = {256: "ES256", 384: "ES384", 521: "ES512"}[bits]
            self._coord_bytes = (bits + 7) // 8
        elif isinstance(self._key, rsa.RSAPrivateKey):
            self._hash, self.alg = hashes.SHA256(), "RS256"
        else:
            raise SystemExit(f"token_issuer: unsupported signing key type in {key_path}")

    def sign(self, claims):
        header = {"typ": "JWT", "alg": self.alg, "x5c": self._x5c}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        data = signing_input.encode("ascii")
        if self.alg.startswith("ES"):
            # JWS wants the raw R||S pair (RFC 7518 3.4), not the DER that OpenSSL produces.
            r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(self._hash)))
            signature = r.to_bytes(self._coord_bytes, "big") + s.to_bytes(self._coord_bytes, "big")
        else:
            signature = self._key.sign(data, padding.PKCS1v15(), self._hash)
        return signing_input + "." + b64url(signature)


# --- HTTP --------------------------------------------------------------------------------------

class Issuer:
    def __init__(self, args):
        self.users = Users(args.users)
        self.signer = Signer(args.signing_key, args.signing_cert)
        self.issuer = args.issuer
        self.service = args.service
        self.ttl = args.ttl
        self.refresh_tokens = {}  # refresh token -> user name, for the issuer's lifetime
        self.lock = threading.Lock()
        self.log_file = open(args.log, "a", encoding="utf-8")

    def log(self, record):
        line = json.dumps(record, separators=(",", ":"), sort_keys=False)
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    def new_refresh_token(self, user):
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.refresh_tokens[token] = user
        return token

    def refresh_user(self, token):
        with self.lock:
            return self.refresh_tokens.get(token)

    def issue(self, user, role, service, requested):
        now = int(time.time())
        access = grant(role, requested)
        claims = {
            "iss": self.issuer,
            "sub": user or "",
            "aud": service,
            "exp": now + self.ttl,
            "nbf": now,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        return self.signer.sign(claims), access, now


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse the connection
    server_version = "mmerge-rig-token-issuer"
    sys_version = ""

    def setup(self):
        # The handshake runs here, in the request's thread, so a silent client cannot stall
        # the accept loop.
        self.request.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        self.request.do_handshake()
        self.request.settimeout(IDLE_TIMEOUT_SECONDS)
        super().setup()

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass  # our own JSON log replaces the default (which would print the query string)

    # Each request fills `record` and answers through `reply`, which also logs it.
    def reply(self, status, body, record, headers=()):
        record["status"] = status
        self.server.issuer.log(record)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def new_record(self, path):
        return {"time": rfc3339(time.time()), "method": self.command, "path": path,
                "grant_type": None, "service": None, "client_id": None, "scopes": [],
                "granted": [], "user": "anonymous", "offline": False}

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        record = self.new_record(url.path)
        if url.path != TOKEN_PATH:
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]},
                              record)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        scopes = [s for value in query.get("scope", []) for s in value.split()]
        record["scopes"] = scopes
        record["service"] = last(query, "service")
        record["client_id"] = last(query, "client_id")
        offline = (last(query, "offline_token") or "").lower() == "true" or \
            last(query, "access_type") == "offline"
        record["offline"] = offline

        user, role = None, None
        credentials = basic_credentials(self.headers.get("Authorization"))
        if credentials is not None:
            user, password = credentials
            record["user"] = user
            role = self.server.issuer.users.check(user, password)
            if role is None:
                return self.reply(
                    401, {"errors": [{"code": "UNAUTHORIZED",
                                      "message": "incorrect username or password"}]},
                    record, [("WWW-Authenticate", 'Basic realm="mmerge-rig-token-issuer"')])
        error = self.check_service(record["service"])
        if error:
            return self.reply(400, {"errors": [{"code": "INVALID_REQUEST", "message": error}]},
                              record)
        try:
            requested = parse_scopes(scopes)
        except BadRequest as e:
            return self.reply(400, {"errors": [{"code": "INVALID_REQUEST", "message": str(e)}]},
                              record)
        token, access, now = self.server.issuer.issue(user, role, record["service"], requested)
        record["granted"] = scope_strings(access)
        body = {"token": token, "access_token": token, "expires_in": self.server.issuer.ttl,
                "issued_at": rfc3339(now)}
        if offline and user is not None:
            body["refresh_token"] = self.server.issuer.new_refresh_token(user)
        return self.reply(200, body, record)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        record = self.new_record(url.path)
        if url.path != TOKEN_PATH:
            return self.reply(404, {"error": "not_found"}, record)
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_FORM_BYTES:
            self.close_connection = True
            return self.reply(400, oauth_error("invalid_request",
                                               "a form body with Content-Length is required"),
                              record)
        body = self.rfile.read(int(length))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return self.reply(400, oauth_error(
                "invalid_request", "Content-Type must be application/x-www-form-urlencoded"),
                record)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        grant_type = last(form, "grant_type")
        scopes = [s for value in form.get("scope", []) for s in value.split()]
        record.update(grant_type=grant_type, service=last(form, "service"),
                      client_id=last(form, "client_id"), scopes=scopes,
                      offline=last(form, "access_type") == "offline")

        if grant_type == "password":
            user = last(form, "username")
            password = last(form, "password")
            if not user or password is None:
                return self.reply(400, oauth_error(
                    "invalid_request", "grant_type=password needs username and password"),
                    record)
            record["user"] = user
            role = self.server.issuer.users.check(user, password)
            if role is None:
                return self.reply(401, oauth_error("invalid_grant",
                                                   "incorrect username or password"), record)
        elif grant_type == "refresh_token":
            refresh = last(form, "refresh_token")
            user = self.server.issuer.refresh_user(refresh) if refresh else None
            if user is None:
                return self.reply(401, oauth_error("invalid_grant",
                                                   "unknown or revoked refresh token"), record)
            record["user"] = user
            role = self.server.issuer.users.role(user)
        else:
            return self.reply(400, oauth_error("unsupported_grant_type",
                                               f"unsupported grant_type {grant_type!r}"), record)
        if not record["client_id"]:
            return self.reply(400, oauth_error("invalid_request", "client_id is required"),
                              record)
        error = self.check_service(record["service"])
        if error:
            return self.reply(400, oauth_error("invalid_request", error), record)
        try:
            requested = parse_scopes(scopes)
        except BadRequest as e:
            return self.reply(400, oauth_error("invalid_scope", str(e)), record)

        token, access, now = self.server.issuer.issue(user, role, record["service"], requested)
        record["granted"] = scope_strings(access)
        answer = {"access_token": token, "scope": " ".join(record["granted"]),
                  "expires_in": self.server.issuer.ttl, "issued_at": rfc3339(now),
                  "token_type": "Bearer"}
        if record["offline"]:
            answer["refresh_token"] = (refresh if grant_type == "refresh_token"
                                       else self.server.issuer.new_refresh_token(user))
        return self.reply(200, answer, record)

    def do_other(self):
        record = self.new_record(urllib.parse.urlsplit(self.path).path)
        self.reply(405, {"error": "method_not_allowed"}, record, [("Allow", "GET, POST")])

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_other

    def check_service(self, service):
        if not service:
            return "the service parameter is required"
        if service != self.server.issuer.service:
            return f"unknown service {service!r}: this issuer serves {self.server.issuer.service!r}"
        return None


def last(params, name):
    values = params.get(name)
    return values[-1] if values else None


def oauth_error(code, description):
    return {"error": code, "error_description": description}


def parse_scopes(scopes):
    if len(scopes) > MAX_QUERY_SCOPES:
        raise BadRequest(f"too many scopes ({len(scopes)} > {MAX_QUERY_SCOPES})")
    return [parse_scope(s) for s in scopes]


def basic_credentials(header):
    """(user, password) from a Basic Authorization header; None when absent or not Basic."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ("", "")
    user, _, password = decoded.partition(":")
    return (user, password)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that drops the connection or fails the TLS handshake is not our problem;
        # one short line on stderr, never the request itself.
        kind, value = sys.exc_info()[:2]
        print(f"token_issuer: connection from {client_address[0]}: {kind.__name__}: {value}",
              file=sys.stderr, flush=True)


def serve(args):
    host, _, port = args.listen.rpartition(":")
    issuer = Issuer(args)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.tls_cert, args.tls_key)
    server = Server((host, int(port)), Handler)
    server.issuer = issuer
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    print(f"token_issuer: serving https://{args.listen}{TOKEN_PATH} for service "
          f"{args.service!r} ({issuer.signer.alg})", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--listen", required=True)
    s.add_argument("--tls-cert", required=True)
    s.add_argument("--tls-key", required=True)
    s.add_argument("--signing-key", required=True)
    s.add_argument("--signing-cert", required=True)
    s.add_argument("--issuer", required=True)
    s.add_argument("--service", required=True)
    s.add_argument("--users", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--ttl", type=int, default=300)
    u = sub.add_parser("add-user", help="password read from stdin (never from argv)")
    u.add_argument("--users", required=True)
    u.add_argument("--name", required=True)
    u.add_argument("--role", required=True, choices=sorted(ROLE_ACTIONS))
    args = parser.parse_args()
    if args.command == "serve":
        serve(args)
    else:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise SystemExit("token_issuer: add-user: empty password on stdin")
        add_user(args.users, args.name, args.role, password)


if __name__ == "__main__":
    main()
