// Content digests through OpenSSL EVP (OCI image spec, descriptor.md "Digests").
#include "core/detail/digest_grammar.hpp"

#include <array>
#include <mmerge/digest.hpp>
#include <openssl/evp.h>
#include <ostream>
#include <stdexcept>

namespace mmerge {

namespace {

struct algorithm_info {
    digest_algorithm algorithm;
    std::string_view name;
    std::size_t hex_length;
};

constexpr std::array<algorithm_info, 2> algorithms{{
    {digest_algorithm::sha256, "sha256", 64},
    {digest_algorithm::sha512, "sha512", 128},
}};

const algorithm_info& info_of(digest_algorithm a) {
    return a == digest_algorithm::sha256 ? algorithms[0] : algorithms[1];
}

const EVP_MD* evp_of(digest_algorithm a) {
    return a == digest_algorithm::sha256 ? EVP_sha256() : EVP_sha512();
}

bool is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0x0f]);
    }
    return out;
}

[[noreturn]] void throw_openssl(const char* what) {
    throw std::runtime_error(std::string("OpenSSL ") + what + " failed");
}

} // namespace

namespace detail {

std::optional<digest_problem> find_digest_problem(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos)
        return digest_problem{0, "digest has no ':' between algorithm and hex"};
    auto name = text.substr(0, colon);
    if (name.empty())
        return digest_problem{0, "digest algorithm is missing before ':'"};
    const algorithm_info* found = nullptr;
    for (const auto& a : algorithms)
        if (a.name == name)
            found = &a;
    if (found == nullptr)
        return digest_problem{0, "unsupported digest algorithm \"" + std::string(name) +
                                     "\" (expected sha256 or sha512)"};
    auto hex = text.substr(colon + 1);
    for (std::size_t i = 0; i < hex.size(); ++i) {
        char c = hex[i];
        if (is_lower_hex(c))
            continue;
        if (c >= 'A' && c <= 'F')
            return digest_problem{colon + 1 + i, "uppercase hex character '" + std::string(1, c) +
                                                     "' in digest (digests must be lowercase)"};
        return digest_problem{colon + 1 + i, "invalid character " + detail::quote_char(c) +
                                                 " in digest (expected hex)"};
    }
    if (hex.size() != found->hex_length)
        return digest_problem{colon + 1, std::string(found->name) + " digest needs " +
                                             std::to_string(found->hex_length) +
                                             " hex characters but has " +
                                             std::to_string(hex.size())};
    return std::nullopt;
}

} // namespace detail

result<digest> digest::parse(std::string_view text) {
    if (auto problem = detail::find_digest_problem(text))
        return fail("invalid digest \"" + std::string(text) + "\" at offset " +
                        std::to_string(problem->position) + ": " + problem->reason,
                    problem->position);
    auto name = text.substr(0, text.find(':'));
    auto algorithm = name == "sha256" ? digest_algorithm::sha256 : digest_algorithm::sha512;
    return digest(algorithm, std::string(text));
}

digest digest::of(std::string_view bytes, digest_algorithm algorithm) {
    hasher h(algorithm);
    h.update(bytes);
    return h.finish();
}

std::string_view digest::algorithm_name() const noexcept {
    return info_of(algorithm_).name;
}

bool digest::matches(std::string_view bytes) const {
    return of(bytes, algorithm_) == *this;
}

std::ostream& operator<<(std::ostream& out, const digest& d) {
    return out << d.str();
}

struct hasher::impl {
    EVP_MD_CTX* ctx = nullptr;
    ~impl() { EVP_MD_CTX_free(ctx); }
};

hasher::hasher(digest_algorithm algorithm)
    : impl_(std::make_unique<impl>())
    , algorithm_(algorithm) {
    impl_->ctx = EVP_MD_CTX_new();
    if (impl_->ctx == nullptr)
        throw_openssl("EVP_MD_CTX_new");
    if (EVP_DigestInit_ex(impl_->ctx, evp_of(algorithm), nullptr) != 1)
        throw_openssl("EVP_DigestInit_ex");
}

hasher::~hasher() = default;
hasher::hasher(hasher&&) noexcept = default;
hasher& hasher::operator=(hasher&&) noexcept = default;

void hasher::update(std::string_view chunk) {
    if (!impl_)
        throw std::logic_error("hasher::update after finish()");
    if (EVP_DigestUpdate(impl_->ctx, chunk.data(), chunk.size()) != 1)
        throw_openssl("EVP_DigestUpdate");
    size_ += chunk.size();
}

digest hasher::finish() {
    if (!impl_)
        throw std::logic_error("hasher::finish called twice");
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(impl_->ctx, out, &n) != 1)
        throw_openssl("EVP_DigestFinal_ex");
    impl_.reset();
    std::string text(info_of(algorithm_).name);
    text += ':';
    text += to_hex(out, n);
    return digest(algorithm_, std::move(text));
}

} // namespace mmerge
