package evidence

// readme is the README.txt of every bundle: how an auditor checks it. It is part of the signed
// evidence, so it is fixed text in both languages rather than translated per reader.
const readme = `CUSTOS EVIDENCE BUNDLE
======================

What is inside
- manifest.json      every file of this bundle with its SHA-256 and size, the period and scope
- manifest.sig       the server's Ed25519 signature over manifest.json (base64)
- public-key.pem     the server's public key; compare its fingerprint (in manifest.json) with
                     the one your organisation publishes at /.well-known/custos-signing-key
- report/            the completion report (CSV and PDF) for the period and scope
- certificates/      each certificate PDF with a .json describing it (its pdf_sha256 is the hash
                     recorded when it was issued)
- signatures/        each signed undertaking: the signed record, the server's signature over it,
                     and the receipt PDF; texts/ holds the exact text of each signed version
- quiz-attempts/     each quiz attempt: questions shown, answers given, score, times
- audit/             entries.jsonl (the period's audit-log records; when the bundle is limited
                     to courses or departments, those about its assignments, certificates and
                     signatures), proofs.jsonl (a Merkle inclusion proof per record, so a part
                     of the log checks as well as all of it), checkpoint.txt (the signed tree
                     head) and verifier-key.txt (the key that checks the checkpoint)
Certificates, signatures and attempts are split by population, as auditors sample them:
current-staff/, new-hires/ (joined in the period) and leavers/ (left in the period).

How to check it
  custos evidence verify BUNDLE.zip
runs offline, without a database, and names the first thing that does not match. It checks:
1. manifest.sig verifies with public-key.pem;
2. every file is listed in the manifest with the right SHA-256 and size, none is missing and
   none was added;
3. every signature record verifies with the public key, and names the text file it signed,
   whose SHA-256 is the signed version;
4. every certificate PDF has the SHA-256 recorded at issue;
5. the checkpoint verifies with the key, and every audit record is proven to be in the log
   the checkpoint signs, exactly as shown.

CUSTOS 证据包
=============

内容
- manifest.json      本证据包中每个文件的 SHA-256 和大小，以及期间与范围
- manifest.sig       服务器对 manifest.json 的 Ed25519 签名（base64）
- public-key.pem     服务器公钥；请将其指纹（见 manifest.json）与贵单位在
                     /.well-known/custos-signing-key 公布的指纹核对
- report/            该期间与范围的完成情况报告（CSV 与 PDF）
- certificates/      每份证书的 PDF 及其说明 .json（pdf_sha256 为颁发时记录的哈希值）
- signatures/        每份已签署的承诺书：签名记录、服务器对其的签名及回执 PDF；
                     texts/ 中为每个已签署版本的原文
- quiz-attempts/     每次测验：所显示的题目、所作答案、得分与时间
- audit/             entries.jsonl（该期间的审计日志记录；证据包限定了课程或部门时，
                     仅含与其中培训任务、证书和签名有关的记录）、proofs.jsonl（每条记录的
                     Merkle 包含证明，因此部分日志与完整日志同样可以校验）、
                     checkpoint.txt（已签名的树头）和 verifier-key.txt（用于校验树头的密钥）
证书、签名和测验按人群分目录存放，便于审计抽样：current-staff/（在职员工）、
new-hires/（期间内入职）和 leavers/（期间内离职）。

如何校验
  custos evidence verify BUNDLE.zip
离线运行，无需数据库，并指出第一处不一致。校验内容：
1. 用 public-key.pem 校验 manifest.sig；
2. 每个文件都列在清单中且 SHA-256 和大小一致，没有缺失，也没有多出的文件；
3. 每条签名记录都能用公钥校验，且所引用原文文件的 SHA-256 即所签署的版本；
4. 每份证书 PDF 的 SHA-256 与颁发时记录的一致；
5. 树头签名有效，且每条审计记录都被证明原样包含在该树头所签署的日志中。
`
