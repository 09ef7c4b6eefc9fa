package main

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The verbs and resources a mix may use are those of the scenario language (scenarios/vocabulary.ts).
func TestVocabularyMatchesTheScenarioLanguage(t *testing.T) {
	source, err := os.ReadFile("../../scenarios/vocabulary.ts")
	if err != nil {
		t.Fatal(err)
	}
	for name, ours := range map[string][]string{"CLIENT_VERBS": clientVerbs, "CLIENT_RESOURCES": clientResources} {
		match := regexp.MustCompile(`export const ` + name + ` = \[([^\]]*)\] as const`).FindSubmatch(source)
		if match == nil {
			t.Fatalf("%s not found in scenarios/vocabulary.ts", name)
		}
		var theirs []string
		for _, word := range strings.Split(string(match[1]), ",") {
			theirs = append(theirs, strings.Trim(strings.TrimSpace(word), `'"`))
		}
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%s: scenarios/vocabulary.ts has %v, the load client %v", name, theirs, ours)
		}
	}
}
