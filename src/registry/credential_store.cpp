#include "registry/credential_store.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mmerge/error.hpp>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mmerge::registry {
namespace {

// docker-credential-helpers' client.go: a helper that has nothing for the server says so on
// stdout and exits 1; that is "no credentials", not a failure.
constexpr std::string_view not_found_message = "credentials not found in native keychain";

[[noreturn]] void helper_failed(const credential_helper& helper, const std::string& why) {
    throw error(errc::invalid_response, "run credential helper", helper.server_url,
                helper.program() + ": " + why);
}

struct pipe_pair {
    int fds[2] = {-1, -1};
    ~pipe_pair() {
        for (int fd : fds)
            if (fd >= 0)
                ::close(fd);
    }
    void close(int i) {
        if (fds[i] >= 0)
            ::close(fds[i]);
        fds[i] = -1;
    }
};

} // namespace

std::optional<credential> run_credential_helper(const credential_helper& helper,
                                                unsigned timeout_seconds) {
    // 1. spawn the helper with pipes for stdin and stdout (stderr stays the user's: helpers
    //    print prompts and diagnostics there) 2. write the server URL 3. read stdout with a
    //    deadline and a size cap 4. reap it and read its verdict.
    pipe_pair in, out;
    if (::pipe2(in.fds, O_CLOEXEC) != 0 || ::pipe2(out.fds, O_CLOEXEC) != 0)
        helper_failed(helper, std::string("cannot create pipes: ") + std::strerror(errno));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.fds[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDOUT_FILENO);
    const std::string program = helper.program();
    char get[] = "get";
    char* argv[] = {const_cast<char*>(program.c_str()), get, nullptr};
    pid_t pid = -1;
    const int spawned = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        helper_failed(helper, std::string("cannot run it: ") + std::strerror(spawned) +
                                  " (is it installed and on PATH?)");
    in.close(0);
    out.close(1);

    // A helper that exits early closes the pipe; SIGPIPE must not kill us for it.
    std::signal(SIGPIPE, SIG_IGN);
    const std::string& server = helper.server_url;
    [[maybe_unused]] const auto written = ::write(in.fds[1], server.data(), server.size());
    in.close(1);

    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    bool timed_out = false;
    for (char buffer[4096];;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{out.fds[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            timed_out = ready == 0;
            break;
        }
        const auto n = ::read(out.fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        output.append(buffer, static_cast<std::size_t>(n));
        if (output.size() > max_helper_output_size) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            helper_failed(helper, "its output exceeds " + std::to_string(max_helper_output_size) +
                                      " bytes");
        }
    }
    if (timed_out)
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out)
        helper_failed(helper, "no answer within " + std::to_string(timeout_seconds) + "s");

    if (output.find(not_found_message) != std::string::npos)
        return std::nullopt;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        // The helper's stdout may hold a secret-free reason, but never trust it blindly: only
        // the exit status goes into the message.
        helper_failed(helper, WIFEXITED(status)
                                  ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                  : "was killed by a signal");
    }
    auto parsed = parse_helper_output(output);
    if (!parsed)
        helper_failed(helper, parsed.error().message);
    return std::move(*parsed);
}

credential_store::credential_store(credential_options options)
    : options_(std::move(options)) {}

const std::vector<std::pair<std::filesystem::path, credential_config>>&
credential_store::configs() {
    if (configs_)
        return *configs_;
    std::vector<std::pair<std::filesystem::path, credential_config>> loaded;
    for (const auto& path : options_.files) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            continue; // every listed location is optional
        const auto size = std::filesystem::file_size(path, ec);
        if (ec || size > max_credential_file_size)
            throw error(errc::usage, "read credentials", path.string(),
                        ec ? ec.message() : "file larger than 4 MiB");
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in && !in.eof())
            throw error(errc::usage, "read credentials", path.string(), "cannot read the file");
        auto parsed = parse_credential_config(text.str());
        if (!parsed)
            throw error(errc::usage, "read credentials", path.string(), parsed.error().message);
        loaded.emplace_back(path, std::move(*parsed));
    }
    configs_ = std::move(loaded);
    return *configs_;
}

std::optional<credential> credential_store::find(std::string_view registry,
                                                 std::string_view repository) {
    const std::string key = normalize_registry_key(registry) + "/" + std::string(repository);
    if (const auto hit = cache_.find(key); hit != cache_.end())
        return hit->second.first;

    std::optional<credential> found;
    std::string source = "anonymous";
    if (options_.explicit_login) {
        found = options_.explicit_login;
        source = "command line or environment";
    } else {
        for (const auto& [path, config] : configs()) {
            const auto match = lookup(config, registry, repository);
            if (!match)
                continue;
            source = path.filename().string() + " (" + match->matched_key + ")";
            if (const auto* inline_credential = std::get_if<credential>(&match->source)) {
                found = *inline_credential;
            } else {
                const auto& helper = std::get<credential_helper>(match->source);
                const std::string helper_key = helper.name + "\n" + helper.server_url;
                auto answer = helper_answers_.find(helper_key);
                if (answer == helper_answers_.end())
                    answer =
                        helper_answers_
                            .emplace(helper_key,
                                     run_credential_helper(helper, options_.helper_timeout_seconds))
                            .first;
                found = answer->second;
                source += " via " + helper.program();
            }
            break;
        }
    }
    cache_.emplace(key, std::pair{found, source});
    return found;
}

std::string credential_store::describe_source(std::string_view registry,
                                              std::string_view repository) const {
    const std::string key = normalize_registry_key(registry) + "/" + std::string(repository);
    const auto hit = cache_.find(key);
    return hit == cache_.end() ? "not looked up" : hit->second.second;
}

} // namespace mmerge::registry
