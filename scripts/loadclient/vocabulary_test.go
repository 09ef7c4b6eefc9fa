package main

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The verbs and resources a mix may use are those of the scenario language (scripts/core/clientPod.ts, the client pod
// spec every target shares; scenarios/vocabulary.ts names them for the schema).
func TestVocabularyMatchesTheScenarioLanguage(t *testing.T) {
	source, err := os.ReadFile("../core/clientPod.ts")
	if err != nil {
		t.Fatal(err)
	}
	for name, ours := range map[string][]string{"CLIENT_VERBS": clientVerbs, "CLIENT_RESOURCES": clientResources} {
		match := regexp.MustCompile(`export const ` + name + ` = \[([^\]]*)\] as const`).FindSubmatch(source)
		if match == nil {
			t.Fatalf("%s not found in scripts/core/clientPod.ts", name)
		}
		var theirs []string
		for _, word := range strings.Split(string(match[1]), ",") {
			theirs = append(theirs, strings.Trim(strings.TrimSpace(word), `'"`))
		}
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%s: scripts/core/clientPod.ts has %v, the load client %v", name, theirs, ours)
		}
	}
}
