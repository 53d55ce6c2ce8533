// Package signing holds the server's Ed25519 key, which signs audit checkpoints and signature
// records. Every instance is given the same key file.
package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// NoteName names the key in signed checkpoints.
const NoteName = "custos"

// Key is the server's signing key.
type Key struct {
	private ed25519.PrivateKey
	Public  ed25519.PublicKey
}

// LoadOrCreate reads the key file, creating it (mode 0600) when it does not exist. Creation uses
// O_EXCL, so two instances starting at once on a shared data dir end up with the same key.
func LoadOrCreate(path string) (*Key, error) {
	k, err := Load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create folder for the signing key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Load(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create signing key %s: %w", path, err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("write signing key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write signing key %s: %w", path, err)
	}
	return Load(path)
}

// Load reads an Ed25519 private key in PKCS#8 PEM form.
func Load(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: not a PEM private key", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	priv, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: not an Ed25519 key", path)
	}
	return &Key{private: priv, Public: priv.Public().(ed25519.PublicKey)}, nil
}

// Sign signs msg.
func (k *Key) Sign(msg []byte) []byte { return ed25519.Sign(k.private, msg) }

// Fingerprint is the SHA-256 of the public key in colon-separated hex groups, for people to
// compare by eye.
func (k *Key) Fingerprint() string { return Fingerprint(k.Public) }

// Fingerprint formats the SHA-256 of a public key in groups of four hex digits.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	h := hex.EncodeToString(sum[:])
	var groups []string
	for i := 0; i < len(h); i += 4 {
		groups = append(groups, h[i:i+4])
	}
	return strings.Join(groups, ":")
}

// PublicPEM returns the public key in PKIX PEM form, as served to auditors.
func (k *Key) PublicPEM() string {
	der, _ := x509.MarshalPKIXPublicKey(k.Public) // cannot fail for an Ed25519 key
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// VerifierKey returns the key in golang.org/x/mod/sumdb/note form, which checks checkpoints.
func (k *Key) VerifierKey() string {
	vkey, _ := note.NewEd25519VerifierKey(NoteName, k.Public) // cannot fail for a valid key
	return vkey
}

// NoteSigner returns a signer for golang.org/x/mod/sumdb/note checkpoints.
func (k *Key) NoteSigner() note.Signer {
	v, _ := note.NewVerifier(k.VerifierKey())
	return &noteSigner{k: k, hash: v.KeyHash()}
}

type noteSigner struct {
	k    *Key
	hash uint32
}

func (s *noteSigner) Name() string                    { return NoteName }
func (s *noteSigner) KeyHash() uint32                 { return s.hash }
func (s *noteSigner) Sign(msg []byte) ([]byte, error) { return s.k.Sign(msg), nil }

// ParsePublicPEM reads a public key written by PublicPEM.
func ParsePublicPEM(data []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a PEM public key")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	k, ok := pub.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("not an Ed25519 public key")
	}
	return k, nil
}

// Encode is the text form of a signature in records: standard base64.
func Encode(sig []byte) string { return base64.StdEncoding.EncodeToString(sig) }
