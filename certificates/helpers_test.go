package certificates

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

var (
	sharedOnce     sync.Once
	sharedRenderer *Renderer
	sharedErr      error
)

// mustRenderer returns one Renderer for all tests: parsing fonts is the slow part.
func mustRenderer(tb testing.TB) *Renderer {
	tb.Helper()
	sharedOnce.Do(func() { sharedRenderer, sharedErr = NewRenderer() })
	if sharedErr != nil {
		tb.Fatalf("NewRenderer: %v", sharedErr)
	}
	return sharedRenderer
}

func englishCertificate() Certificate {
	return Certificate{
		Org:           "Custos Demo Company",
		Serial:        "CUS-2026-000123",
		VerifyURL:     "https://custos.example.com/verify/7KQ2-M9XD-4HPA",
		Holder:        "José O'Brien",
		CourseTitle:   "Protecting customer information",
		CourseVersion: "2026.1 (3f2a9c1e)",
		Locale:        "en",
		Issued:        time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC),
		ValidUntil:    time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC),
		Score:         92,
		Controls:      []string{"PIPL-51", "ISO27001-A.6.3", "ISO27001-A.6.6", "SOC2-CC1.4", "SOC2-CC2.2"},
		Labels:        EnglishCertificateLabels(),
	}
}

func chineseCertificate() Certificate {
	c := englishCertificate()
	c.Org = "示例科技有限公司"
	c.Holder = "张伟"
	c.CourseTitle = "保护客户信息"
	c.Locale = "zh-Hans"
	c.Labels = CertificateLabels{
		Title:      "培训合格证书",
		TitleAlt:   "Certificate of Completion",
		Certifies:  "兹证明",
		Completed:  "已完成以下课程的学习与考核",
		Version:    "版本",
		IssuedOn:   "颁发日期",
		ValidUntil: "有效期至",
		Score:      "成绩",
		Controls:   "对应控制项",
		Serial:     "证书编号",
		Verify:     "扫描二维码或访问以下网址验证本证书",
		DateLayout: "2006年1月2日",
	}
	return c
}

func renderCertificate(tb testing.TB, c Certificate) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := mustRenderer(tb).Certificate(&buf, c); err != nil {
		tb.Fatalf("Certificate: %v", err)
	}
	return buf.Bytes()
}

const sampleUndertaking = `# Confidentiality undertaking

I, the undersigned, acknowledge that in the course of my work for the **Company** I will have access to
*confidential information*, including customer personal information protected by the Personal
Information Protection Law of the People's Republic of China.

## What I undertake

1. I will use customer information **only** for the purpose for which it was collected.
2. I will not copy, disclose or remove confidential information without authorisation.
3. I will report any suspected incident to security@example.com within 24 hours.
   - This includes lost laptops, phones and paper files.
   - It also includes e-mails sent to the wrong recipient.

> Breaches may lead to disciplinary action and to liability under Article 253-1 of the Criminal Law.

<script>alert(1)</script> is printed as text, like (parentheses), back\\slashes and 100% signs.

---

This undertaking remains in force after my employment ends. See [the policy](https://example.com/policy).
`

func englishReceipt() Receipt {
	return Receipt{
		Org:             "Custos Demo Company",
		Signer:          "José O'Brien",
		Email:           "jose.obrien@example.com",
		DocumentTitle:   "Confidentiality undertaking",
		DocumentText:    sampleUndertaking,
		Locale:          "en",
		VersionHash:     "9f2c1d7be4a85f0c3e6b1a2d4f8e7c6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b",
		TextHash:        "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
		SignedAt:        time.Date(2026, 3, 14, 9, 30, 12, 0, time.UTC),
		Method:          "password",
		ServerSignature: "MEUCIQDx4v8Qz1m0lY7q3Xb2vH5nK9pW1sT6uR8eF2gJ4aL0cQIgVb7N3mY6rT1sK8pQ2wE5uI9oA4zX7cV1bN6mM3kL0jH=",
		KeyFingerprint:  "SHA256:u7Yt1pQmZ3cV9xN2bL6kJ4hG8fD5sA1qW0eR3tY7uI",
		RecordJSON:      `{"person":"jose.obrien@example.com","document":"confidentiality","version":"9f2c1d7b","locale":"en","typed_name":"José O'Brien","signed_at":"2026-03-14T09:30:12Z","ip":"203.0.113.7","user_agent":"Mozilla/5.0 (X11; Linux x86_64)","auth":"password"}`,
		Labels:          EnglishReceiptLabels(),
	}
}

func renderReceipt(tb testing.TB, rc Receipt) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := mustRenderer(tb).Receipt(&buf, rc); err != nil {
		tb.Fatalf("Receipt: %v", err)
	}
	return buf.Bytes()
}

const sampleUndertakingZh = `# 保密承诺书

本人确认，在为**公司**工作期间，将接触到包括客户个人信息在内的保密信息，这些信息受《中华人民共和国个人信息保护法》保护。

## 本人承诺

1. 仅为收集目的使用客户信息。
2. 未经授权，不复制、不披露、不带离任何保密信息。
3. 发现疑似安全事件，于 24 小时内报告 security@example.com。

> 违反本承诺可能导致纪律处分，并可能依据《刑法》第二百五十三条之一承担法律责任。

本承诺在劳动关系终止后继续有效。
`

func chineseReceipt() Receipt {
	rc := englishReceipt()
	rc.Org = "示例科技有限公司"
	rc.Signer = "张伟"
	rc.Email = "zhang.wei@example.com"
	rc.DocumentTitle = "保密承诺书"
	rc.DocumentText = sampleUndertakingZh
	rc.Locale = "zh-Hans"
	rc.Method = "密码"
	rc.SignedAt = time.Date(2026, 3, 14, 17, 30, 12, 0, time.FixedZone("CST", 8*3600))
	rc.Labels = ReceiptLabels{
		Title:           "保密承诺签署回执",
		Intro:           "本回执完整收录所签署的文本，并附电子签名及服务器对其的签章。",
		Signature:       "签署信息",
		Signer:          "签署人",
		Email:           "账号",
		SignedAt:        "签署时间",
		Method:          "身份验证方式",
		Locale:          "语言",
		VersionHash:     "文件版本（SHA-256）",
		TextHash:        "文本摘要（SHA-256）",
		KeyFingerprint:  "服务器密钥",
		ServerSignature: "服务器签名（Ed25519）",
		Record:          "签署记录",
		Page:            "页",
		DateTimeLayout:  "2006年1月2日 15:04:05 MST",
	}
	return rc
}
