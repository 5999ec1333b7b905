#include "dotted_tree.hpp"

#include <algorithm>

namespace hubsim::input {

DottedTree& DottedTree::child(std::string_view name) {
    const auto it = std::find_if(children_.begin(), children_.end(),
                                 [&](const DottedTree& c) { return c.name_ == name; });
    if (it != children_.end()) return *it;
    DottedTree& c = children_.emplace_back();
    c.name_ = name;
    return c;
}

DottedTree& DottedTree::leaf(std::string_view key) {
    DottedTree* node = this;
    for (std::size_t from = 0;;) {
        const std::size_t dot = key.find('.', from);
        node = &node->child(key.substr(from, dot == std::string_view::npos ? dot : dot - from));
        if (dot == std::string_view::npos) return *node;
        from = dot + 1;
    }
}

void DottedTree::add(std::string_view key, std::string value, std::string comment) {
    DottedTree& node = leaf(key);
    node.value_ = std::move(value);
    node.comment_ = std::move(comment);
}

void DottedTree::add_list(std::string_view key, std::vector<std::string> items) {
    DottedTree& node = leaf(key);
    node.items_ = std::move(items);
    node.is_list_ = true;
}

void DottedTree::emit_members(YAML::Emitter& out) const {
    for (const DottedTree& c : children_) {
        out << YAML::Key << c.name_ << YAML::Value;
        if (c.is_list_) {
            out << YAML::Flow << YAML::BeginSeq;
            for (const auto& item : c.items_) out << item;
            out << YAML::EndSeq;
        } else if (c.children_.empty()) {
            out << c.value_;
            if (!c.comment_.empty()) out << YAML::Comment(c.comment_);
        } else {
            out << YAML::BeginMap;
            c.emit_members(out);
            out << YAML::EndMap;
        }
    }
}

}  // namespace hubsim::input
