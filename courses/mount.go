package courses

import (
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// mountFS joins file systems under top-level directory names, so the built-in courses
// and banks, embedded by two packages, look like one content directory.
type mountFS map[string]fs.FS

// Open opens name in the file system mounted at its first element.
func (m mountFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		entries, _ := m.ReadDir(".")
		return &mountRoot{entries: entries}, nil
	}
	sub, rest, ok := m.split(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := sub.Open(rest)
	if d, isDir := f.(fs.ReadDirFile); err == nil && isDir && rest == "." {
		// The mounted file system calls its root "."; here it is the mount point.
		return mountDir{d, mountEntry(name)}, nil
	}
	return f, err
}

// mountDir is the root of a mounted file system, named after its mount point.
type mountDir struct {
	fs.ReadDirFile
	info mountEntry
}

func (d mountDir) Stat() (fs.FileInfo, error) { return d.info, nil }

// ReadDir lists the mount points at the root and delegates below it.
func (m mountFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		var entries []fs.DirEntry
		for n := range m {
			entries = append(entries, mountEntry(n))
		}
		slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		return entries, nil
	}
	sub, rest, ok := m.split(name)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return fs.ReadDir(sub, rest)
}

// ReadFile reads name from the file system mounted at its first element.
func (m mountFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	sub, rest, ok := m.split(name)
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return fs.ReadFile(sub, rest)
}

func (m mountFS) split(name string) (fs.FS, string, bool) {
	first, rest, _ := strings.Cut(name, "/")
	if rest == "" {
		rest = "."
	}
	sub, ok := m[first]
	return sub, rest, ok
}

// mountRoot is the root directory of a mountFS, opened.
type mountRoot struct {
	entries []fs.DirEntry
	read    int
}

func (r *mountRoot) Stat() (fs.FileInfo, error) { return mountEntry("."), nil }
func (r *mountRoot) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: fs.ErrInvalid}
}
func (r *mountRoot) Close() error { return nil }

// ReadDir follows fs.ReadDirFile: n <= 0 returns the rest, n > 0 at most n and io.EOF at the end.
func (r *mountRoot) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := r.entries[r.read:]
	if n <= 0 {
		r.read = len(r.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	r.read += len(rest)
	return rest, nil
}

// mountEntry is a directory at the root of a mountFS, as both DirEntry and FileInfo.
type mountEntry string

func (e mountEntry) Name() string               { return string(e) }
func (e mountEntry) IsDir() bool                { return true }
func (e mountEntry) Type() fs.FileMode          { return fs.ModeDir }
func (e mountEntry) Info() (fs.FileInfo, error) { return e, nil }
func (e mountEntry) Size() int64                { return 0 }
func (e mountEntry) Mode() fs.FileMode          { return fs.ModeDir | 0o555 }
func (e mountEntry) ModTime() time.Time         { return time.Time{} }
func (e mountEntry) Sys() any                   { return nil }
