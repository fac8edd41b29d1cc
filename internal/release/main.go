// Command release checks that the modules of this repository install as
// their users will install them: it packages the library and every contrib
// module at one version into a file-based module proxy (the zips the Go
// module proxy would serve once HEAD is tagged with it), then, for each
// contrib module, in a new module outside the repository that sees only
// that proxy and the public one, runs its README's install commands as
// written, builds its README's program, and installs its demo command at
// that version.
//
//	cd internal/release && go run . -version v0.5.0 -root ../..
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// modules are the published modules: their directory in the repository,
// and the demo command each contrib module ships ("" if none).
var modules = []struct{ dir, demo string }{
	{".", ""},
	{"contrib/workerpoolprom", "cmd/promdemo"},
	{"contrib/workerpoolotel", ""},
	{"contrib/workerpooljs", "cmd/jsdemo"},
}

func main() {
	version := flag.String("version", "", "the version to package, as the next tag will carry it (e.g. v0.5.0)")
	root := flag.String("root", ".", "the repository's root")
	keep := flag.Bool("keep", false, "keep the proxy and the try-out modules (their directory is printed)")
	flag.Parse()
	if !strings.HasPrefix(*version, "v") {
		log.Fatalf("release: -version must be a semantic version such as v0.5.0, got %q", *version)
	}
	work, err := os.MkdirTemp("", "workerpool-release-")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		fmt.Println("release: working in", work)
	} else {
		defer os.RemoveAll(work)
	}
	proxy := filepath.Join(work, "proxy")
	for _, m := range modules {
		path, err := pack(*root, m.dir, *version, proxy)
		if err != nil {
			log.Fatalf("release: packaging %s: %v", m.dir, err)
		}
		fmt.Printf("packaged %s@%s\n", path, *version)
	}
	failed := false
	for _, m := range modules[1:] {
		if err := try(filepath.Join(*root, m.dir), m.demo, *version, proxy, filepath.Join(work, filepath.Base(m.dir))); err != nil {
			fmt.Printf("FAIL %s: %v\n", m.dir, err)
			failed = true
			continue
		}
		fmt.Printf("ok   %s: installed as its README says, its program builds, its demo installs\n", m.dir)
	}
	if failed {
		os.Exit(1)
	}
}

// pack writes the module in subdirectory dir of the repository at root,
// as committed at HEAD, at version into the file-based proxy: @v/list,
// version.info, version.mod and version.zip under its path, as a module
// proxy serves them (GOPROXY=file://proxy).
func pack(root, dir, version, proxy string) (string, error) {
	gomod, err := exec.Command("git", "-C", root, "show", "HEAD:"+filepath.ToSlash(filepath.Join(dir, "go.mod"))).Output()
	if err != nil {
		return "", fmt.Errorf("reading its committed go.mod: %v", err)
	}
	path := modfile.ModulePath(gomod)
	escaped, err := module.EscapePath(path)
	if err != nil {
		return "", err
	}
	vdir := filepath.Join(proxy, escaped, "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(filepath.Join(vdir, version+".zip"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	// The committed files only, as a tag would publish them; nested
	// modules (contrib/, internal/ modules under the root) are left out.
	subdir := ""
	if dir != "." {
		subdir = filepath.ToSlash(dir)
	}
	if err := zip.CreateFromVCS(f, module.Version{Path: path, Version: version}, root, "HEAD", subdir); err != nil {
		return "", err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":%q}`, version, time.Now().UTC().Format(time.RFC3339))
	for name, data := range map[string][]byte{"list": []byte(version + "\n"), version + ".info": []byte(info), version + ".mod": gomod} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	return path, f.Close()
}

// try installs the contrib module in dir as a user would, in a new module
// at tmp: its README's go get commands, as written; its README's program,
// built; and its demo command, installed at version.
func try(dir, demo, version, proxy, tmp string) error {
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		return err
	}
	gets, program := readmeParts(string(readme))
	if len(gets) == 0 || program == "" {
		return fmt.Errorf("the README has no go get command or no program")
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	publicProxy := "https://proxy.golang.org"
	if out, err := exec.Command("go", "env", "GOPROXY").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		publicProxy = strings.TrimSpace(string(out))
	}
	env := append(os.Environ(),
		"GOWORK=off", "GOFLAGS=-mod=mod",
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+publicProxy,
		"GONOSUMDB=github.com/seed761c1f22", // not in the checksum database until it is published
		"GOBIN="+filepath.Join(tmp, "bin"),
	)
	run := func(args ...string) error {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Env = tmp, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("go", "mod", "init", "example.com/try"); err != nil {
		return err
	}
	for _, get := range gets {
		if err := run(strings.Fields(get)...); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "main.go"), []byte(program), 0o644); err != nil {
		return err
	}
	if err := run("go", "mod", "tidy"); err != nil {
		return err
	}
	if err := run("go", "vet", "."); err != nil {
		return err
	}
	if err := run("go", "build", "-o", os.DevNull, "."); err != nil {
		return err
	}
	if demo != "" {
		gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err := run("go", "install", modfile.ModulePath(gomod)+"/"+demo+"@"+version); err != nil {
			return err
		}
	}
	return nil
}

// readmeParts returns a README's go get commands (lines of its fenced
// blocks that start with "go get ") and its first Go program (a go block
// with package main).
func readmeParts(readme string) (gets []string, program string) {
	sc := bufio.NewScanner(strings.NewReader(readme))
	var block []string
	lang, in := "", false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.HasPrefix(line, "```"):
			in, lang, block = true, strings.TrimPrefix(line, "```"), nil
		case in && line == "```":
			in = false
			text := strings.Join(block, "\n") + "\n"
			if lang == "go" && program == "" && strings.Contains(text, "package main") {
				program = text
			}
		case in:
			block = append(block, line)
			if strings.HasPrefix(line, "go get ") {
				gets = append(gets, line)
			}
		}
	}
	return gets, program
}
