#pragma once
/** @file Content digests (OCI image spec, descriptor.md "Digests"): parse, compute, verify. */

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <mmerge/result.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace mmerge {

/** The digest algorithms the registries we speak to accept. */
enum class digest_algorithm { sha256, sha512 };

/** A validated content digest, `algorithm:hex`, e.g. `sha256:6c3c62...`. */
class digest {
public:
    /**
     * An empty digest, a placeholder in aggregates that are filled later: its `str()` is empty
     * and it matches no content. `parse` and `of` are the only ways to a real one.
     */
    digest() = default;

    /**
     * Parse `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`. Never throws.
     * Errors (with the offset of the fault): missing `:`, an algorithm other than sha256/sha512,
     * a hex part of the wrong length, or any character that is not lowercase hex.
     */
    static result<digest> parse(std::string_view text);

    /** The digest of `bytes` (OpenSSL EVP). Throws std::runtime_error only if OpenSSL fails. */
    static digest of(std::string_view bytes, digest_algorithm algorithm = digest_algorithm::sha256);

    /** True for a default-constructed digest. */
    bool empty() const noexcept { return text_.empty(); }
    digest_algorithm algorithm() const noexcept { return algorithm_; }
    /** `sha256` or `sha512`. */
    std::string_view algorithm_name() const noexcept;
    /** The lowercase hex part. */
    std::string_view hex() const noexcept {
        return std::string_view(text_).substr(text_.find(':') + 1);
    }
    /** The whole `algorithm:hex` form. */
    const std::string& str() const noexcept { return text_; }

    /** True when `bytes` hash to this digest (with this digest's algorithm). */
    bool matches(std::string_view bytes) const;

    friend bool operator==(const digest&, const digest&) = default;
    friend auto operator<=>(const digest& a, const digest& b) { return a.text_ <=> b.text_; }

    /** Writes `str()`, so digests read well in test logs and messages. */
    friend std::ostream& operator<<(std::ostream& out, const digest& d);

private:
    digest(digest_algorithm a, std::string text)
        : algorithm_(a)
        , text_(std::move(text)) {}
    friend class hasher;

    digest_algorithm algorithm_ = digest_algorithm::sha256;
    std::string text_;
};

/** Incremental hashing for streamed bodies: update() chunk by chunk, then finish(). Movable. */
class hasher {
public:
    explicit hasher(digest_algorithm algorithm = digest_algorithm::sha256);
    ~hasher();
    hasher(hasher&&) noexcept;
    hasher& operator=(hasher&&) noexcept;

    /** Feed the next chunk of the stream. */
    void update(std::string_view chunk);
    /**
     * The digest of everything fed so far. The hasher is spent afterwards: a later update() or
     * finish() throws std::logic_error.
     */
    digest finish();
    /** Bytes fed so far. */
    std::size_t size() const noexcept { return size_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    digest_algorithm algorithm_;
    std::size_t size_ = 0;
};

} // namespace mmerge
