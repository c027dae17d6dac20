#pragma once
/** @file `WWW-Authenticate` challenges (RFC 7235 §4.1, RFC 6750 §3) and the resource scopes of the
 * Docker token spec (distribution docs/spec/auth/scope.md) they carry. Pure: no I/O. */

#include <mmerge/result.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmerge {

/** One challenge of a `WWW-Authenticate` header: `Bearer realm="...",service="..."`. */
struct challenge {
    /// The auth-scheme, lowercased: `bearer`, `basic`, ...
    std::string scheme;
    /// The auth-params, names lowercased, values unquoted and unescaped.
    std::map<std::string, std::string> params;
    /// The token68 form (`Negotiate YIIGhgYGKwYB...==`); empty when the challenge has params.
    std::string token68;

    /** True when the scheme is `name`, compared case-insensitively. */
    bool is(std::string_view name) const;
    /** The value of param `name` (case-insensitive), or nullopt when absent. */
    std::optional<std::string_view> param(std::string_view name) const;
    /** `realm`: where to get a token (Bearer) or the protection space (Basic). */
    std::optional<std::string_view> realm() const { return param("realm"); }
    /** `service`: the audience to request a token for (token.md "Requesting a Token"). */
    std::optional<std::string_view> service() const { return param("service"); }
    /** `scope`: space-separated resource scopes the request needs (scope.md). */
    std::optional<std::string_view> scope() const { return param("scope"); }
    /** `error`: e.g. `invalid_token`, `insufficient_scope` (RFC 6750 §3.1). */
    std::optional<std::string_view> error() const { return param("error"); }
    /** True for `error="insufficient_scope"`: the token lacks a scope, ask for a new one. */
    bool insufficient_scope() const { return error() == "insufficient_scope"; }

    friend bool operator==(const challenge&, const challenge&) = default;
};

/**
 * Parse the values of every `WWW-Authenticate` header of one response (RFC 7235 §4.1).
 *
 * Each value is a comma-separated list of challenges; a challenge is an auth-scheme followed by
 * either a token68 or comma-separated auth-params `name=token` / `name="quoted \"string\""`. Since
 * commas separate both challenges and params, a list element `token=` belongs to the current
 * challenge and a bare `token` starts the next one. Scheme and param names are case-insensitive
 * (returned lowercased); optional whitespace and empty list elements are tolerated; values may be
 * unquoted (some servers send `realm=/`).
 *
 * @param header_values one entry per `WWW-Authenticate` header, in the order received.
 * @return the challenges in order; an error (never an exception) on an unterminated quoted string,
 *         a parameter without `=` or value, a duplicate parameter, a control character, or when
 *         no header holds any challenge. The error's position is the offset in the offending value.
 */
result<std::vector<challenge>> parse_challenges(std::span<const std::string_view> header_values);

/** Parse one `WWW-Authenticate` header value; see the overload for several headers. */
result<std::vector<challenge>> parse_challenges(std::string_view header_value);

/**
 * The challenge to answer: the first `Bearer`, else the first `Basic`, else nullptr (a scheme
 * mmerge does not speak). Registries that offer both prefer the token flow.
 */
const challenge* preferred_challenge(std::span<const challenge> challenges);

/**
 * A resource scope (scope.md "Resource Scope Grammar"): `repository:library/nginx:pull,push`,
 * `registry:catalog:*`.
 */
struct scope {
    /// The resource type: `repository`, `registry`, or with a class `repository(plugin)`.
    std::string type;
    /// The resource name; may hold a `host:port` (`localhost:5000/foo`).
    std::string name;
    /// The actions, in the order given (`pull`, `push`, `delete`, `*`, ...).
    std::vector<std::string> actions;

    friend bool operator==(const scope&, const scope&) = default;
};

/**
 * Parse one resource scope `type:name:action[,action]*`. The type ends at the first `:` and the
 * actions start after the LAST `:`, because a name may contain a port (`repository:localhost:5000/
 * foo:pull`; scope.md's note on `resourcename`).
 * @return an error naming the problem and its offset: empty type, name or action, a type outside
 *         `[a-z0-9]+` (with an optional `(class)`), whitespace or control characters.
 */
result<scope> parse_scope(std::string_view text);

/**
 * Parse a space-separated list of scopes, as a challenge's `scope` param or an OAuth2 `scope`
 * form field carries it (scope.md "Authorization Server Use"). Repeated spaces are tolerated; an
 * empty or all-space text gives an empty list.
 */
result<std::vector<scope>> parse_scopes(std::string_view text);

/** `type:name:a,b`: the form a token request's `scope` query parameter takes. */
std::string format_scope(const scope& s);

/**
 * Merge scopes so one token request covers everything an operation needs: entries with the same
 * type and name become one whose actions are the sorted union. The result keeps the order in which
 * each type+name first appears (some token servers give the first scope precedence). Scopes left
 * without actions are dropped.
 */
std::vector<scope> merge_scopes(std::span<const scope> scopes);

/**
 * A canonical key for a set of scopes, for a token cache: the merged scopes sorted by type and
 * name, formatted and joined by a space. Two sets asking for the same access give the same key,
 * whatever their order or repetitions.
 */
std::string scope_set_key(std::span<const scope> scopes);

/**
 * True when `granted` allows every action of `needed` on its resource (a `*` action allows all),
 * so a cached token can serve the request without a new round trip.
 */
bool scopes_cover(std::span<const scope> granted, const scope& needed);

} // namespace mmerge
