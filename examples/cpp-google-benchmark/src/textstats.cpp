#include "textstats.h"

namespace textstats {

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string::size_type start = 0;
  while (start < text.size()) {
    std::string::size_type end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) words.emplace_back(text, start, end - start);
    start = end + 1;
  }
  return words;
}

std::map<std::string, int> Frequencies(const std::vector<std::string>& words) {
  std::map<std::string, int> counts;
  for (const std::string& w : words) counts[w]++;
  return counts;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace textstats
