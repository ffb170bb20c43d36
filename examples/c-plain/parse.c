/* A small command-line program measured whole, as one benchmark: it
 * tokenizes its input into a growing array of heap-allocated words, the
 * kind of code whose allocations a memory benchmark keeps in check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *text =
    "the quick brown fox jumps over the lazy dog and keeps running "
    "through the forest until the sun sets behind the hills";

int main(void) {
	size_t cap = 4, len = 0;
	char **words = malloc(cap * sizeof *words);
	if (!words)
		return 1;
	char *copy = strdup(text);
	if (!copy)
		return 1;
	for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
		if (len == cap) {
			cap *= 2;
			char **grown = realloc(words, cap * sizeof *words);
			if (!grown)
				return 1;
			words = grown;
		}
		words[len++] = strdup(w);
	}
	printf("%zu words\n", len);
	for (size_t i = 0; i < len; i++)
		free(words[i]);
	free(words);
	free(copy);
	return 0;
}
