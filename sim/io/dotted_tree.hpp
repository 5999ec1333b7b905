#pragma once
// Dotted keys ("llme.primary.load") as nested YAML mappings, in the order keys were first
// added: how hubsim writes parameters back out (the resolved scenario, a fitted scenario).

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

namespace hubsim::input {

class DottedTree {
  public:
    /// Sets the leaf at `key` to a scalar written as `value`, with an optional comment.
    void add(std::string_view key, std::string value, std::string comment = {});
    /// Sets the leaf at `key` to a list of scalars, written on one line.
    void add_list(std::string_view key, std::vector<std::string> items);
    bool empty() const { return children_.empty(); }

    /// Writes the members (key: value pairs) into an open mapping of `out`.
    void emit_members(YAML::Emitter& out) const;

  private:
    DottedTree& child(std::string_view name);
    DottedTree& leaf(std::string_view dotted_key);

    // A vector of the type being defined is fine; a pair holding it would not be (clang).
    std::string name_, value_, comment_;
    std::vector<std::string> items_;
    bool is_list_ = false;
    std::vector<DottedTree> children_;
};

}  // namespace hubsim::input
