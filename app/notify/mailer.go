package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wneessen/go-mail"

	"custos/app/config"
)

// Message is one e-mail, ready to go: plain text and HTML with the same content.
type Message struct {
	To        string
	ToName    string
	Subject   string
	Text      string
	HTML      string
	MessageID string // without angle brackets; the same for every attempt of one reminder
	Lang      string
}

// Mailer delivers a message.
type Mailer interface {
	Send(ctx context.Context, m Message) error
	// Logs reports whether the mailer writes to the log instead of sending.
	Logs() bool
}

// NewMailer returns the SMTP mailer for cfg, or the log mailer when CUSTOS_SMTP_URL is unset.
func NewMailer(cfg config.Config, log *slog.Logger) (Mailer, error) {
	if cfg.SMTPURL == "" {
		return &LogMailer{Log: log}, nil
	}
	s, err := config.ParseSMTPURL(cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("CUSTOS_SMTP_URL: %w", err)
	}
	return &SMTPMailer{Server: s, From: cfg.MailFrom}, nil
}

// SMTPMailer sends through an SMTP server, one connection per message: reminders are few, and
// a connection that outlives its message would only add states to get wrong.
type SMTPMailer struct {
	Server config.SMTP
	From   string
	// TLS overrides the TLS settings (tests trust their own certificate with it).
	TLS *tls.Config
	// Timeout bounds one delivery; the sender's lease must be longer.
	Timeout time.Duration
}

// Logs is false: this mailer sends.
func (m *SMTPMailer) Logs() bool { return false }

// Send delivers msg, returning the server's refusal or the network's failure.
func (m *SMTPMailer) Send(ctx context.Context, msg Message) error {
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithPort(m.Server.Port), mail.WithTimeout(timeout)}
	switch {
	case m.Server.ImplicitTLS:
		opts = append(opts, mail.WithSSL())
	case m.Server.RequireSTARTTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if m.TLS != nil {
		tc := m.TLS.Clone()
		if tc.ServerName == "" {
			tc.ServerName = m.Server.Host
		}
		opts = append(opts, mail.WithTLSConfig(tc))
	}
	if m.Server.Username != "" {
		// Auto-discovery offers PLAIN and LOGIN only over TLS, which RequireSTARTTLS ensures.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.Server.Username), mail.WithPassword(m.Server.Password))
	}
	client, err := mail.NewClient(m.Server.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	out, err := m.compose(msg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return client.DialAndSendWithContext(ctx, out)
}

func (m *SMTPMailer) compose(msg Message) (*mail.Msg, error) {
	out := mail.NewMsg()
	if err := out.From(m.From); err != nil {
		return nil, fmt.Errorf("CUSTOS_MAIL_FROM: %w", err)
	}
	if err := out.AddToFormat(msg.ToName, msg.To); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	out.Subject(msg.Subject)
	out.SetMessageIDWithValue(msg.MessageID)
	out.SetDate()
	out.SetGenHeader(mail.HeaderContentLang, msg.Lang)
	out.SetGenHeader("Auto-Submitted", "auto-generated")
	out.SetBodyString(mail.TypeTextPlain, msg.Text)
	out.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	return out, nil
}

// permanent reports whether the server refused the recipient for good (a 5xx answer to RCPT
// TO): the address does not exist there, and asking again will not change that. Every other
// failure, a refusal at any other step included, is retried until the attempts run out.
func permanent(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && se.Reason == mail.ErrSMTPRcptTo && !se.IsTemp()
}

// LogMailer writes each message to the log instead of sending it: what Custos does until
// CUSTOS_SMTP_URL is set. It logs the text part only, which holds no secret.
type LogMailer struct {
	Log *slog.Logger
}

// Logs is true.
func (m *LogMailer) Logs() bool { return true }

// Send writes msg to the log.
func (m *LogMailer) Send(_ context.Context, msg Message) error {
	m.Log.Info("e-mail not sent: CUSTOS_SMTP_URL is not set", "to", msg.To, "subject", msg.Subject,
		"message_id", msg.MessageID, "text", msg.Text)
	return nil
}
