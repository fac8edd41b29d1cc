// Package readmetest runs the Go code blocks of a README, so that none can
// drift from the code: every ```go block is a complete program (package
// main), which is written into a directory of the calling test's module and
// run with go run. A test of the module the README documents calls Run.
package readmetest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Blocks returns the Go code blocks of the Markdown file at path, in order.
func Blocks(path string) ([]string, error) { return Fenced(path, "go") }

// Fenced returns the code blocks of the Markdown file at path whose info
// string (the word after the opening fence) is lang, in order; lang ""
// selects the blocks that have none.
func Fenced(path, lang string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var blocks []string
	var cur *strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			if line == "```"+lang {
				cur = &strings.Builder{}
			} else {
				skipBlock(sc)
			}
		case cur != nil && line == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(sc.Text())
			cur.WriteByte('\n')
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: a ```%s block is not closed", path, lang)
	}
	return blocks, sc.Err()
}

// skipBlock reads up to the closing fence of a block of another language.
func skipBlock(sc *bufio.Scanner) {
	for sc.Scan() && strings.TrimSpace(sc.Text()) != "```" {
	}
}

// Run runs every Go block of the README at readme (relative to the test's
// directory, which must be inside the module whose imports the blocks
// use) as a program, each in a subtest, failing on a build error, a
// non-zero exit, or a run longer than a minute. env is added to the
// programs' environment. It returns each program's output, in order.
func Run(t *testing.T, readme string, env ...string) []string {
	t.Helper()
	blocks, err := Blocks(readme)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatalf("%s has no Go block", readme)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run %s: %v", readme, err)
	}
	outs := make([]string, len(blocks))
	for i, src := range blocks {
		t.Run(fmt.Sprintf("block%d", i+1), func(t *testing.T) {
			if !strings.HasPrefix(src, "package main\n") {
				t.Fatalf("block %d of %s is not a complete program (package main):\n%s", i+1, readme, src)
			}
			// testdata is left out of ./... patterns, but a path into it
			// builds. It is removed again if this made it and it is empty.
			if err := os.Mkdir("testdata", 0o755); err == nil {
				t.Cleanup(func() { os.Remove("testdata") })
			}
			dir, err := os.MkdirTemp("testdata", "readme-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(goCmd, "run", "./"+filepath.ToSlash(dir))
			cmd.Env = append(os.Environ(), env...)
			cmd.WaitDelay = time.Second
			done := make(chan struct{})
			timer := time.AfterFunc(time.Minute, func() {
				if cmd.Process != nil {
					cmd.Process.Kill()
				}
				close(done)
			})
			out, err := cmd.CombinedOutput()
			if !timer.Stop() {
				<-done
				t.Fatalf("block %d of %s ran for over a minute:\n%s", i+1, readme, out)
			}
			if err != nil {
				t.Fatalf("block %d of %s: %v\n%s\n--- the block:\n%s", i+1, readme, err, out, src)
			}
			outs[i] = string(out)
		})
	}
	return outs
}
