#pragma once
// A small HTTP/1.1 server on Boost.Beast: one thread accepts, each connection is served on
// its own thread (at most `max_connections` at once; more are closed at once), requests
// are read with a body limit, and a handler turns each into a response. It knows nothing
// of the studio: the handler does.

#include <atomic>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <functional>
#include <string>

namespace hubsim::studio {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct ServerLimits {
    std::size_t max_body = 1 << 20;    ///< bytes of a request body (uploads included)
    std::size_t max_connections = 64;  ///< served at once
    int read_timeout_s = 30;           ///< a client silent this long is dropped
};

class HttpServer {
  public:
    using Handler = std::function<Response(const Request&)>;

    /// Binds at once (so that the port is known before run()): throws std::runtime_error
    /// naming the address if it cannot.
    HttpServer(const std::string& address, unsigned short port, Handler handler,
               ServerLimits limits);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    unsigned short port() const;
    /// Serves until stop() (from another thread or a signal handler's thread).
    void run();
    void stop();

  private:
    struct Impl;
    Impl* impl_;
};

/// A JSON response with `status`.
Response json_response(http::status status, const std::string& body, unsigned version = 11);

}  // namespace hubsim::studio
