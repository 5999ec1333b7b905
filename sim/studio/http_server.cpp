#include "http_server.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace hubsim::studio {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

Response json_response(http::status status, const std::string& body, unsigned version) {
    Response res{status, version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = body;
    res.prepare_payload();
    return res;
}

namespace {

Response too_large(std::size_t limit) {
    return json_response(http::status::payload_too_large,
                         "{\"error\": \"the request body is larger than " + std::to_string(limit) +
                             " bytes, the most this server takes\"}");
}

void set_timeout(tcp::socket& socket, int seconds) {
    timeval tv{seconds, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

struct HttpServer::Impl {
    /// Answers 413 to a body over the limit, then reads and drops what the client still
    /// sends (up to 4 times the limit), so that it reads the answer instead of a reset.
    void refuse_body(tcp::socket& socket) {
        beast::error_code ec;
        Response res = too_large(limits.max_body);
        res.keep_alive(false);
        http::write(socket, res, ec);
        socket.shutdown(tcp::socket::shutdown_send, ec);
        std::array<char, 65536> sink;
        std::size_t dropped = 0;
        while (!ec && dropped < 4 * limits.max_body)
            dropped += socket.read_some(net::buffer(sink), ec);
    }

    net::io_context io;
    tcp::acceptor acceptor{io};
    Handler handler;
    ServerLimits limits;
    std::atomic<std::size_t> open{0};
    std::atomic<bool> stopping{false};
    /// The sockets of the connections being served, so that stop() can end their reads:
    /// a browser keeps idle connections open, and a server stopping must not wait for them.
    std::mutex sockets_m;
    std::set<int> sockets;

    void serve(tcp::socket socket) {
        serve_requests(socket);
        // Forgotten before it is closed (by its destructor): stop() never touches a
        // number the system may have given to another file.
        std::lock_guard lock(sockets_m);
        sockets.erase(socket.native_handle());
    }

    void serve_requests(tcp::socket& socket) {
        set_timeout(socket, limits.read_timeout_s);
        beast::flat_buffer buffer;
        beast::error_code ec;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(limits.max_body);
            parser.header_limit(16 * 1024);
            http::read_header(socket, buffer, parser, ec);  // refuses a long Content-Length
            if (!ec) http::read(socket, buffer, parser, ec);
            if (ec == http::error::body_limit) {
                refuse_body(socket);
                break;
            }
            if (ec) break;
            const Request& req = parser.get();
            Response res;
            try {
                res = handler(req);
            } catch (const std::exception& e) {
                res = json_response(http::status::internal_server_error,
                                    "{\"error\": \"internal error\"}", req.version());
            }
            res.version(req.version());
            res.keep_alive(req.keep_alive());
            http::write(socket, res, ec);
            if (ec || !res.keep_alive() || stopping.load()) break;
        }
        socket.shutdown(tcp::socket::shutdown_both, ec);
    }
};

HttpServer::HttpServer(const std::string& address, unsigned short port, Handler handler,
                       ServerLimits limits)
    : impl_(new Impl) {
    impl_->handler = std::move(handler);
    impl_->limits = limits;
    try {
        const tcp::endpoint ep(net::ip::make_address(address), port);
        impl_->acceptor.open(ep.protocol());
        impl_->acceptor.set_option(net::socket_base::reuse_address(true));
        impl_->acceptor.bind(ep);
        impl_->acceptor.listen();
    } catch (const std::exception& e) {
        delete impl_;
        throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                                 e.what());
    }
}

HttpServer::~HttpServer() {
    stop();
    // Connection threads hold no reference to the acceptor, only to impl_'s handler and
    // counters: wait for them before freeing it.
    while (impl_->open.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    delete impl_;
}

unsigned short HttpServer::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void HttpServer::run() {
    while (!impl_->stopping.load()) {
        beast::error_code ec;
        tcp::socket socket(impl_->io);
        impl_->acceptor.accept(socket, ec);
        if (ec) {
            if (impl_->stopping.load()) break;
            continue;
        }
        if (impl_->open.load() >= impl_->limits.max_connections) {
            socket.close(ec);  // too many at once: the client may retry
            continue;
        }
        ++impl_->open;
        {
            std::lock_guard lock(impl_->sockets_m);
            if (impl_->stopping.load()) {
                --impl_->open;
                break;
            }
            impl_->sockets.insert(socket.native_handle());
        }
        std::thread([this, s = std::move(socket)]() mutable {
            impl_->serve(std::move(s));
            --impl_->open;
        }).detach();
    }
}

void HttpServer::stop() {
    if (impl_->stopping.exchange(true)) return;
    // Unblocks the accept in run() (closing the socket from another thread would not).
    ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
    // Ends every connection's wait for its next request (an idle keep-alive connection
    // would hold the server for its read timeout); a request being answered still is.
    std::lock_guard lock(impl_->sockets_m);
    for (int fd : impl_->sockets) ::shutdown(fd, SHUT_RD);
}

}  // namespace hubsim::studio
