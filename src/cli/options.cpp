#include "cli/options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string_view>

namespace mmerge::cli {
namespace {

// Options that take a value, per command ("" = common to all).
struct option_spec {
    std::string_view name;
    bool takes_value;
    std::string_view command; // empty: every command
};

constexpr std::array option_specs = {
    option_spec{"plain-http", false, ""},
    option_spec{"insecure", false, ""},
    option_spec{"ca-file", true, ""},
    option_spec{"cert-dir", true, ""},
    option_spec{"auth-file", true, ""},
    option_spec{"username", true, ""},
    option_spec{"password-stdin", false, ""},
    option_spec{"timeout", true, ""},
    option_spec{"retries", true, ""},
    option_spec{"verbose", false, ""},
    option_spec{"json", false, ""},
    // merge
    option_spec{"target", true, "merge"},
    option_spec{"add", true, "merge"},
    option_spec{"expect", true, "merge"},
    option_spec{"mode", true, "merge"},
    option_spec{"remove", true, "merge"},
    option_spec{"format", true, "merge"},
    option_spec{"annotation", true, "merge"},
    option_spec{"attestations", true, "merge"},
    option_spec{"dry-run", false, "merge"},
    option_spec{"jobs", true, "merge,audit"},
    // audit
    option_spec{"require", true, "audit"},
    option_spec{"all-tags", false, "audit"},
    option_spec{"deep", false, "audit"},
    option_spec{"shard", true, "audit"},
    option_spec{"include", true, "audit"},
    option_spec{"exclude", true, "audit"},
};

const option_spec* find_spec(std::string_view name) {
    for (const auto& s : option_specs)
        if (s.name == name)
            return &s;
    return nullptr;
}

template <class T>
T parse_number(std::string_view option, const std::string& text) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        throw usage_error{"--" + std::string(option) + " needs a number, not \"" + text + "\""};
    return value;
}

void apply_common(common_options& c, std::string_view name, const std::string& value) {
    if (name == "plain-http")
        c.plain_http = true;
    else if (name == "insecure")
        c.insecure = true;
    else if (name == "ca-file")
        c.ca_file = value;
    else if (name == "cert-dir")
        c.cert_dir = value;
    else if (name == "auth-file")
        c.auth_file = value;
    else if (name == "username")
        c.username = value;
    else if (name == "password-stdin")
        c.password_stdin = true;
    else if (name == "timeout") {
        const double seconds = parse_number<double>(name, value);
        if (!(seconds > 0) || seconds > 86400)
            throw usage_error{"--timeout must be between 0 and 86400 seconds"};
        c.timeout_seconds = seconds;
    } else if (name == "retries") {
        const unsigned n = parse_number<unsigned>(name, value);
        if (n > 100)
            throw usage_error{"--retries must be at most 100"};
        c.retries = n;
    } else if (name == "verbose")
        ++c.verbose;
    else if (name == "json")
        c.json = true;
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

} // namespace

command_line parse_command_line(const std::vector<std::string>& args) {
    command_line out;
    // The command is the first argument that is neither an option nor an option's value, so
    // common options may come before it (`mmerge -v inspect REF`). Without one, it is merge:
    // `mmerge --target ... --add ...`.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    std::size_t command_at = none;
    for (std::size_t j = 0; j < args.size(); ++j) {
        const std::string& a = args[j];
        if (a == "--")
            break;
        if (a.starts_with("-")) {
            const auto* spec =
                a.starts_with("--") ? find_spec(a.substr(2, a.find('=') - 2)) : nullptr;
            if (spec && spec->takes_value && a.find('=') == std::string::npos)
                ++j;
            continue;
        }
        command_at = j;
        break;
    }
    out.command = "merge";
    if (command_at != none) {
        const std::string& word = args[command_at];
        if (word == "merge" || word == "inspect" || word == "audit")
            out.command = word;
        else if (command_at == 0)
            throw usage_error{"unknown command \"" + word + "\" (commands: merge, inspect, audit)"};
        else
            command_at = none; // an argument of the default command
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i == command_at)
            continue;
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            out.command = "help";
            return out;
        }
        if (arg == "--version") {
            out.command = "version";
            return out;
        }
        if (arg == "-v") {
            ++out.common.verbose;
            continue;
        }
        if (arg == "--") {
            std::copy(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end(),
                      std::back_inserter(out.positionals));
            break;
        }
        if (!arg.starts_with("--")) {
            if (arg.starts_with("-") && arg.size() > 1)
                throw usage_error{"unknown option \"" + arg + "\""};
            out.positionals.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
        }
        const option_spec* spec = find_spec(name);
        if (!spec)
            throw usage_error{"unknown option \"--" + name + "\""};
        if (!spec->command.empty() && spec->command.find(out.command) == std::string_view::npos)
            throw usage_error{"--" + name + " is not an option of \"mmerge " + out.command + "\""};
        if (spec->takes_value && !value) {
            if (i + 1 >= args.size())
                throw usage_error{"--" + name + " needs a value"};
            value = args[++i];
        }
        if (!spec->takes_value && value)
            throw usage_error{"--" + name + " takes no value"};
        if (spec->command.empty())
            apply_common(out.common, name, value.value_or(""));
        else if (spec->takes_value)
            out.values[name].push_back(*value);
        else
            out.flags.push_back(name);
    }
    return out;
}

registry_options make_registry_options(const common_options& c) {
    registry_options out;
    auto& t = out.transport;
    t.plain_http = c.plain_http;
    t.insecure = c.insecure;
    t.ca_file = c.ca_file;
    t.cert_dir = c.cert_dir;
    if (c.timeout_seconds)
        t.timeout = std::chrono::milliseconds(static_cast<long long>(*c.timeout_seconds * 1000));
    if (c.retries)
        t.retries = *c.retries;
    if (!c.ca_file.empty() && !std::filesystem::is_regular_file(c.ca_file))
        throw usage_error{"--ca-file \"" + c.ca_file + "\" is not a readable file"};
    if (!c.cert_dir.empty() && !std::filesystem::is_directory(c.cert_dir))
        throw usage_error{"--cert-dir \"" + c.cert_dir + "\" is not a folder"};
    // certs.d roots: rootless podman's per-user folder first, then the system ones.
    t.certs_d_roots.clear();
    if (const auto home = env("HOME"); !home.empty())
        t.certs_d_roots.emplace_back(std::filesystem::path(home) / ".config/containers/certs.d");
    t.certs_d_roots.emplace_back("/etc/containers/certs.d");
    t.certs_d_roots.emplace_back("/etc/docker/certs.d");

    // Credentials, first hit wins (DESIGN.md).
    auto& creds = out.credentials;
    if (c.password_stdin) {
        if (c.username.empty())
            throw usage_error{"--password-stdin needs --username"};
        std::string password(std::istreambuf_iterator<char>(std::cin), {});
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
            password.pop_back();
        if (password.empty())
            throw usage_error{"--password-stdin: no password on standard input"};
        creds.explicit_login = credential{c.username, secret(std::move(password)), {}};
    } else if (!c.username.empty()) {
        throw usage_error{"--username needs --password-stdin (a password is never taken from "
                          "the command line, where other users can see it)"};
    } else if (const auto user = env("MMERGE_USERNAME"); !user.empty()) {
        const auto password = env("MMERGE_PASSWORD");
        if (password.empty())
            throw usage_error{"MMERGE_USERNAME is set but MMERGE_PASSWORD is not"};
        creds.explicit_login = credential{user, secret(password), {}};
    }
    if (!c.auth_file.empty()) {
        if (!std::filesystem::is_regular_file(c.auth_file))
            throw usage_error{"--auth-file \"" + c.auth_file + "\" is not a readable file"};
        creds.files.emplace_back(c.auth_file);
    }
    if (const auto f = env("REGISTRY_AUTH_FILE"); !f.empty())
        creds.files.emplace_back(f);
    if (const auto run = env("XDG_RUNTIME_DIR"); !run.empty())
        creds.files.emplace_back(std::filesystem::path(run) / "containers/auth.json");
    if (const auto docker = env("DOCKER_CONFIG"); !docker.empty())
        creds.files.emplace_back(std::filesystem::path(docker) / "config.json");
    else if (const auto home = env("HOME"); !home.empty())
        creds.files.emplace_back(std::filesystem::path(home) / ".docker/config.json");

    if (c.verbose > 0)
        out.trace = [](const std::string& line) { std::cerr << "mmerge: " << line << '\n'; };
    return out;
}

} // namespace mmerge::cli
