// A small text-statistics library: the code under benchmark.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace textstats {

// Splits text on spaces into words.
std::vector<std::string> Words(const std::string& text);

// Counts how often each word occurs.
std::map<std::string, int> Frequencies(const std::vector<std::string>& words);

// Joins words with single spaces.
std::string Join(const std::vector<std::string>& words);

}  // namespace textstats
