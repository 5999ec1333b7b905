#pragma once
// The studio's application: what each request of `hubsim serve` does. Scenarios come only
// from the --scenarios folder (named by their path inside it) or from an upload, and every
// one goes through the same validating loader as `hubsim run`; runs wait in a bounded queue
// and go one at a time, in batches of replications, so that figures stream in and a run
// can be cancelled.

#include <filesystem>
#include <memory>
#include <string>

#include "http_server.hpp"

namespace hubsim::studio {

struct StudioOptions {
    std::filesystem::path scenarios;       ///< the only folder scenarios and data are read from
    std::string token;                     ///< required on every request when not empty
    bool local_only = true;                ///< refuse requests naming another host (no token)
    int threads = 0;                       ///< for the runs (0: all cores)
    std::size_t max_runs_total = 8;        ///< queued or running, in all
    std::size_t max_runs_per_client = 2;   ///< queued or running, per browser session
    std::size_t kept_runs_per_client = 8;  ///< finished runs kept; older ones are dropped
    std::uint32_t max_replications = 2000;
    std::size_t max_body = 1 << 20;
    std::size_t max_uploads = 256;      ///< uploads kept (the oldest go first)
    std::filesystem::path work;         ///< where downloads are written (a fresh folder)
    std::filesystem::path report_tool;  ///< tools/report.py, for the report download
};

class Studio {
  public:
    explicit Studio(StudioOptions options);
    ~Studio();
    Studio(const Studio&) = delete;
    Studio& operator=(const Studio&) = delete;

    Response handle(const Request& request);
    /// How many scenarios the folder offers.
    std::size_t scenario_count() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hubsim::studio
