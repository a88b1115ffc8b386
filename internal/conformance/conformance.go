// Package conformance checks feed documents against the published
// grammars: RFC 4287's RELAX NG schema for Atom (with jing) and the JSON
// Feed 1.1 JSON Schema (with Debian's python3-jsonschema). The schemas live
// in ../shared/conformance beside the repository, not in it; tests skip
// where that folder is absent (a user's clone) and run wherever it is.
package conformance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// systemPython is Debian's python3, where apt installs python3-jsonschema;
// the python3 first on PATH may be another one.
const systemPython = "/usr/bin/python3"

const validateJSON = `import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))`

// Dir finds ../shared/conformance beside the module root, skipping the
// test where it is absent, and failing (under CI=true) or skipping when a
// validator is not installed.
func Dir(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "conformance")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("conformance: ../shared not present beside the repo; skipping")
	}
	missing := func(what, pkg string) {
		msg := fmt.Sprintf("conformance: %s is missing; install it with: apt-get install -y %s", what, pkg)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := exec.LookPath("jing"); err != nil {
		missing("jing", "jing")
	}
	if err := exec.Command(systemPython, "-c", "import jsonschema").Run(); err != nil {
		missing("python3-jsonschema for "+systemPython, "python3-jsonschema")
	}
	return dir
}

// Atom reports an error on t unless body validates against atom.rnc.
func Atom(t testing.TB, body []byte) {
	t.Helper()
	dir := Dir(t)
	file := writeTemp(t, "atom.xml", body)
	if out, err := exec.Command("jing", "-c", filepath.Join(dir, "atom.rnc"), file).CombinedOutput(); err != nil {
		t.Errorf("conformance: Atom document fails RFC 4287's grammar: %v\n%s", err, out)
	}
}

// JSONFeed reports an error on t unless body validates against the JSON
// Feed 1.1 schema.
func JSONFeed(t testing.TB, body []byte) {
	t.Helper()
	dir := Dir(t)
	file := writeTemp(t, "feed.json", body)
	schema := filepath.Join(dir, "jsonfeed-1.1.schema.json")
	if out, err := exec.Command(systemPython, "-c", validateJSON, schema, file).CombinedOutput(); err != nil {
		t.Errorf("conformance: JSON Feed document fails the 1.1 schema: %v\n%s", err, out)
	}
}

func writeTemp(t testing.TB, name string, body []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
