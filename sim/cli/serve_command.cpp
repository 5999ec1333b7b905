#include "serve_command.hpp"

#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <csignal>
#include <iostream>
#include <random>
#include <thread>

#include "../studio/http_server.hpp"
#include "../studio/studio.hpp"
#include "command_line.hpp"

namespace hubsim {

namespace po = boost::program_options;
namespace fs = std::filesystem;

po::options_description serve_options() {
    po::options_description o("Options");
    o.add_options()("port", po::value<int>()->default_value(8765),
                    "port to listen on (0: any free one)")(
        "bind", po::value<std::string>()->default_value("127.0.0.1"),
        "address to listen on; any but this machine's own needs a token")(
        "scenarios", po::value<std::string>()->default_value("scenarios"),
        "the folder of scenarios offered, and the only one files are read from")(
        "token", po::value<std::string>(),
        "required on every request (generated and printed when --bind is not local)")(
        "threads,t", po::value<int>()->default_value(0), "threads per run (0: all cores)")(
        "max-replications", po::value<std::uint32_t>()->default_value(2000),
        "the most replications one run may ask for")(
        "max-uploads", po::value<std::size_t>()->default_value(256),
        "uploads kept while it runs (an address naming an older one no longer works)");
    return o;
}

namespace {

bool loopback(const std::string& address) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(address, ec);
    return !ec && a.is_loopback();
}

}  // namespace

int serve_command(const std::vector<std::string>& args, const fs::path& report_tool) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(serve_options()).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(std::string("serve: ") + e.what());
    }
    const int port = vm["port"].as<int>();
    if (port < 0 || port > 65535) throw UsageError("--port must be from 0 to 65535");
    studio::StudioOptions o;
    const std::string bind = vm["bind"].as<std::string>();
    if (vm.count("token")) o.token = vm["token"].as<std::string>();
    if (vm.count("token") && o.token.size() < 16)
        throw UsageError("--token must be at least 16 characters");
    if (!loopback(bind) && o.token.empty()) {
        std::random_device device;
        for (int i = 0; i < 4; ++i) {
            char part[9];
            std::snprintf(part, sizeof part, "%08x", device());
            o.token += part;
        }
    }
    o.scenarios = vm["scenarios"].as<std::string>();
    if (!fs::is_directory(o.scenarios))
        throw UsageError("--scenarios: '" + o.scenarios.string() + "' is not a folder");
    o.local_only = o.token.empty();
    o.threads = vm["threads"].as<int>();
    o.max_replications = vm["max-replications"].as<std::uint32_t>();
    o.max_uploads = vm["max-uploads"].as<std::size_t>();
    if (o.max_uploads == 0) throw UsageError("--max-uploads must be at least 1");
    o.report_tool = report_tool;
    o.work = fs::temp_directory_path() / ("hubsim-serve-" + std::to_string(::getpid()));

    // SIGINT and SIGTERM end the server cleanly: they are waited for on a thread of their
    // own, blocked everywhere else (so every thread started below inherits the mask).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    {
        studio::Studio app(o);
        studio::HttpServer server(
            bind, static_cast<unsigned short>(port),
            [&](const studio::Request& r) { return app.handle(r); },
            studio::ServerLimits{o.max_body, 64, 30});
        const std::string host = bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
        std::cout << "hubsim serve: http://" << host << ":" << server.port() << "/"
                  << (o.token.empty() ? "" : "?token=" + o.token) << std::endl;
        std::cout << "hubsim serve: " << app.scenario_count() << " scenarios from "
                  << o.scenarios.string() << "; Ctrl-C stops it" << std::endl;
        std::thread waiter([&] {
            int sig = 0;
            sigwait(&stop_signals, &sig);
            server.stop();
        });
        server.run();
        waiter.join();
    }
    std::error_code ec;
    fs::remove_all(o.work, ec);
    return 0;
}

}  // namespace hubsim
