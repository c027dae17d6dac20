// Content digests through OpenSSL EVP (OCI image spec, descriptor.md "Digests").
#include <mmerge/digest.hpp>

#include <openssl/evp.h>

#include <array>
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

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

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

std::string quoted(std::string_view text) {
    std::string out = "invalid digest \"";
    out += text;
    out += "\": ";
    return out;
}

} // namespace

result<digest> digest::parse(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos)
        return fail(quoted(text) + "expected \"algorithm:hex\" but there is no ':'", 0);
    auto name = text.substr(0, colon);
    const algorithm_info* found = nullptr;
    for (const auto& a : algorithms)
        if (a.name == name)
            found = &a;
    if (found == nullptr) {
        if (name.empty())
            return fail(quoted(text) + "missing algorithm before ':' at offset 0", 0);
        return fail(quoted(text) + "unsupported algorithm \"" + std::string(name) +
                        "\" at offset 0 (expected sha256 or sha512)",
                    0);
    }
    auto hex = text.substr(colon + 1);
    for (std::size_t i = 0; i < hex.size(); ++i) {
        char c = hex[i];
        if (is_lower_hex(c))
            continue;
        std::size_t at = colon + 1 + i;
        std::string what = (c >= 'A' && c <= 'F') ? "uppercase hex character '" + std::string(1, c) +
                                                        "' (digests must be lowercase)"
                                                  : "invalid character '" + std::string(1, c) + "'";
        return fail(quoted(text) + what + " at offset " + std::to_string(at), at);
    }
    if (hex.size() != found->hex_length)
        return fail(quoted(text) + std::string(found->name) + " needs " +
                        std::to_string(found->hex_length) + " hex characters after ':' but has " +
                        std::to_string(hex.size()),
                    colon + 1);
    return digest(found->algorithm, std::string(text));
}

digest digest::of(std::string_view bytes, digest_algorithm algorithm) {
    hasher h(algorithm);
    h.update(bytes);
    return h.finish();
}

std::string_view digest::algorithm_name() const noexcept { return info_of(algorithm_).name; }

bool digest::matches(std::string_view bytes) const { return of(bytes, algorithm_) == *this; }

std::ostream& operator<<(std::ostream& out, const digest& d) { return out << d.str(); }

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
