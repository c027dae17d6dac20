#pragma once
/** @file The result type every pure parser of mmerge returns. */

#include <boost/system/result.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace mmerge {

/** Why a pure parser refused its input: a sentence for the user and, when known, where. */
struct parse_error {
    // Two arguments, never one: were a lone string enough to make a parse_error,
    // `result<std::string>` could not tell a value from an error and `return text;` would not
    // compile.
    parse_error() = default;
    parse_error(std::string message_, std::size_t position_)
        : message(std::move(message_))
        , position(position_) {}

    /// What is wrong, written for the user: "tag \"v1!\" has an invalid character '!'".
    std::string message;
    /// Byte offset in the input where the problem is; npos when it has no single place.
    std::size_t position = npos;

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

/** Thrown only by `result<T>::value()` on an error: parsers themselves never throw. */
class parse_exception : public std::invalid_argument {
public:
    explicit parse_exception(parse_error e)
        : std::invalid_argument(e.message)
        , error_(std::move(e)) {}
    const parse_error& error() const noexcept { return error_; }

private:
    parse_error error_;
};

/** Found by argument-dependent lookup from `boost::system::result::value()`. */
[[noreturn]] inline void throw_exception_from_error(const parse_error& e,
                                                    const boost::source_location&) {
    throw parse_exception(e);
}

/** A value or the reason it could not be produced (boost::system::result). */
template <class T>
using result = boost::system::result<T, parse_error>;

/** Shorthand for returning an error from a function that returns `result<T>`. */
inline parse_error fail(std::string message, std::size_t position = parse_error::npos) {
    return parse_error{std::move(message), position};
}

} // namespace mmerge
