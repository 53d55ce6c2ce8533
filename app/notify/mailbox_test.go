package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailbox is a real SMTP server on 127.0.0.1 that keeps what it accepts.
type mailbox struct {
	Addr string

	mu       sync.Mutex
	received []received
	tries    int // MAIL commands seen
	// refuse, when set, answers the n-th MAIL command (from 1) with an error, or nil to accept.
	refuse func(n int) error
	// refuseRcpt, when set, refuses every recipient.
	refuseRcpt error
	user, pass string // AUTH PLAIN is required when set
}

// received is one accepted message, decoded.
type received struct {
	From, To  string
	Subject   string
	MessageID string
	Lang      string
	Text      string
	HTML      string
	TLS       bool
	User      string
}

type mailboxOptions struct {
	tls        *tls.Config
	implicit   bool // TLS from the first byte (smtps) rather than STARTTLS
	user, pass string
}

func startMailbox(t *testing.T, opts mailboxOptions) *mailbox {
	t.Helper()
	mb := &mailbox{user: opts.user, pass: opts.pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{mb: mb, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = opts.tls
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = quietLog{}
	var l net.Listener
	var err error
	if opts.implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", opts.tls)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	mb.Addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return mb
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

// Messages returns what was accepted so far.
func (mb *mailbox) Messages() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]received(nil), mb.received...)
}

// Tries is how many deliveries were attempted.
func (mb *mailbox) Tries() int {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.tries
}

type session struct {
	mb   *mailbox
	tls  bool
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.mb.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.mb.user || pass != s.mb.pass {
			return errors.New("invalid credentials")
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.mb.mu.Lock()
	s.mb.tries++
	n, refuse := s.mb.tries, s.mb.refuse
	s.mb.mu.Unlock()
	if s.mb.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	if refuse != nil {
		if err := refuse(n); err != nil {
			return err
		}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.mb.refuseRcpt != nil {
		return s.mb.refuseRcpt
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := decode(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "cannot parse: " + err.Error()}
	}
	m.From, m.To, m.TLS, m.User = s.from, strings.Join(s.to, ","), s.tls, s.user
	s.mb.mu.Lock()
	s.mb.received = append(s.mb.received, m)
	s.mb.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// decode reads the headers and the text and HTML parts of a message.
func decode(raw []byte) (received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return received{}, err
	}
	out := received{Subject: subject, MessageID: msg.Header.Get("Message-ID"), Lang: msg.Header.Get("Content-Language")}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return received{}, err
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		return received{}, errors.New("not multipart: " + mediaType)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return received{}, err
		}
		var body io.Reader = part
		switch strings.ToLower(part.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			body = quotedprintable.NewReader(part)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, part)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			return received{}, err
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			out.Text = string(data)
		case "text/html":
			out.HTML = string(data)
		}
	}
}

// selfSigned returns a server TLS config for 127.0.0.1 and a client config that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}
