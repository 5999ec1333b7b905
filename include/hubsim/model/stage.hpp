#pragma once
/// \file
/// Phases of education and Teaching for Mastery stages, in the programme's own words.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hubsim {

enum class Phase : std::uint8_t { Primary, Secondary, Post16 };
inline constexpr std::size_t kPhaseCount = 3;
inline constexpr std::array<Phase, kPhaseCount> kPhases = {Phase::Primary, Phase::Secondary,
                                                           Phase::Post16};

/// Where a school stands with TfM. The four middle stages are Work Group stages; a
/// phase's pipeline is an ordered subset of them.
enum class Stage : std::uint8_t {
    NotEngaged,
    Readiness,
    Development,
    Embedding,
    Sustaining,
    Lapsed
};
inline constexpr std::size_t kStageCount = 6;
inline constexpr std::array<Stage, kStageCount> kStages = {Stage::NotEngaged,  Stage::Readiness,
                                                           Stage::Development, Stage::Embedding,
                                                           Stage::Sustaining,  Stage::Lapsed};
/// The stages a Work Group can be for.
inline constexpr std::array<Stage, 4> kWorkGroupStages = {Stage::Readiness, Stage::Development,
                                                          Stage::Embedding, Stage::Sustaining};

constexpr std::size_t index(Phase p) {
    return static_cast<std::size_t>(p);
}
constexpr std::size_t index(Stage s) {
    return static_cast<std::size_t>(s);
}

constexpr std::string_view name(Phase p) {
    constexpr std::array<std::string_view, kPhaseCount> names = {"primary", "secondary", "post16"};
    return names[index(p)];
}
constexpr std::string_view name(Stage s) {
    constexpr std::array<std::string_view, kStageCount> names = {
        "not_engaged", "readiness", "development", "embedding", "sustaining", "lapsed"};
    return names[index(s)];
}

std::optional<Phase> parse_phase(std::string_view text);
std::optional<Stage> parse_stage(std::string_view text);

}  // namespace hubsim
