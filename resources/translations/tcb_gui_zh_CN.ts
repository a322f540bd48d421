<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ActionsDelegate</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
</context>
<context>
    <name>AddIdsDialog</name>
    <message>
        <source>Add IDs</source>
        <translation>添加 ID</translation>
    </message>
    <message>
        <source>Paste text with cloud:// file IDs: one per line, a CSV or JSON export, or a log. Duplicates and lines without an ID are skipped.</source>
        <translation>粘贴包含 cloud:// 云文件 ID 的文本：每行一个、CSV 或 JSON 导出内容、日志均可。重复项和不含 ID 的行会被跳过。</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>No IDs yet</source>
        <translation>尚无 ID</translation>
    </message>
    <message>
        <source>Large text: IDs are counted when you press Add</source>
        <translation>文本较大：点击“添加”时再统计 ID</translation>
    </message>
    <message>
        <source>1 ID found</source>
        <translation>找到 1 个 ID</translation>
    </message>
    <message>
        <source>{n} IDs found</source>
        <translation>找到 {n} 个 ID</translation>
    </message>
    <message>
        <source>No cloud:// IDs found yet</source>
        <translation>尚未找到 cloud:// ID</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>CellTexts</name>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Waiting for its turn to download</source>
        <translation>排队等待下载</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>{size}/s</source>
        <translation>{size}/s</translation>
    </message>
    <message>
        <source>Downloading {percent} %</source>
        <translation>下载中 {percent}%</translation>
    </message>
    <message>
        <source>Downloading…</source>
        <translation>下载中…</translation>
    </message>
    <message>
        <source>Finishing…</source>
        <translation>正在完成…</translation>
    </message>
    <message>
        <source>Downloading: {amount}</source>
        <translation>下载中：{amount}</translation>
    </message>
    <message>
        <source>Paused at {percent} %</source>
        <translation>已暂停于 {percent}%</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>已校验</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>Saved to {path} ({size}); its CRC-64 checksum matches the storage&apos;s.</source>
        <translation>已保存到 {path}（{size}）；其 CRC-64 校验值与云存储一致。</translation>
    </message>
    <message>
        <source>Saved to {path} ({size}).</source>
        <translation>已保存到 {path}（{size}）。</translation>
    </message>
    <message>
        <source>Already saved</source>
        <translation>此前已保存</translation>
    </message>
    <message>
        <source>unknown reason</source>
        <translation>原因未知</translation>
    </message>
    <message>
        <source>Download failed: {reason}</source>
        <translation>下载失败：{reason}</translation>
    </message>
    <message>
        <source>Stopped at {percent} %</source>
        <translation>已停止于 {percent}%</translation>
    </message>
    <message>
        <source>Stopped before the end; downloading again starts from the beginning.</source>
        <translation>未下载完即已停止；再次下载将从头开始。</translation>
    </message>
    <message>
        <source>Waiting for token</source>
        <translation>等待令牌</translation>
    </message>
    <message>
        <source>Set a valid token, then Resume: this file goes on from {percent} %.</source>
        <translation>请设置有效令牌后点击“继续”：此文件将从 {percent}% 处接着下载。</translation>
    </message>
    <message>
        <source>Downloading: {amount} at {speed}</source>
        <translation>下载中：{amount}，速度 {speed}</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Paused with {amount} saved; Resume goes on from there.</source>
        <translation>已暂停，已保存 {amount}；点击“继续”将从此处接着下载。</translation>
    </message>
    <message>
        <source>Already complete on disk ({size}): {path}</source>
        <translation>磁盘上已有完整文件（{size}）：{path}</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Stopped before the end; downloading again resumes from {amount}.</source>
        <translation>未下载完即已停止；再次下载将从 {amount} 处继续。</translation>
    </message>
    <message>
        <source>Set a valid token, then Resume to download this file.</source>
        <translation>请设置有效令牌后点击“继续”下载此文件。</translation>
    </message>
</context>
<context>
    <name>CoreText</name>
    <message>
        <source>The token service answered error {errcode}.</source>
        <translation>令牌服务返回错误 {errcode}。</translation>
    </message>
    <message>
        <source>The service answered error {errcode}.</source>
        <translation>服务返回错误 {errcode}。</translation>
    </message>
    <message>
        <source>The service answered status {status} for this file</source>
        <translation>服务对此文件返回状态 {status}</translation>
    </message>
    <message>
        <source>{message} ({detail})</source>
        <translation>{message}（{detail}）</translation>
    </message>
    <message>
        <source>Network error: {problem}</source>
        <translation>网络错误：{problem}</translation>
    </message>
    <message>
        <source>Network error: {error}</source>
        <translation>网络错误：{error}</translation>
    </message>
    <message>
        <source>Network error</source>
        <translation>网络错误</translation>
    </message>
    <message>
        <source>The service reports &apos;system busy&apos;.</source>
        <translation>服务报告“系统繁忙”。</translation>
    </message>
    <message>
        <source>The service reports a system error.</source>
        <translation>服务报告系统错误。</translation>
    </message>
    <message>
        <source>Today&apos;s API quota for this account is used up. Nothing more can be resolved until the quota resets tomorrow (or ask the account owner to reset it).</source>
        <translation>此账号今日的接口调用配额已用完。明天配额重置之前无法再解析（也可请账号所有者重置配额）。</translation>
    </message>
    <message>
        <source>The per-minute call limit was reached.</source>
        <translation>已达到每分钟调用次数上限。</translation>
    </message>
    <message>
        <source>The access token is not valid. Paste a fresh token (Set token…) and try again.</source>
        <translation>access_token 无效。请粘贴新的令牌（设置令牌…）后重试。</translation>
    </message>
    <message>
        <source>The service received no access token. Set a token and try again.</source>
        <translation>服务未收到 access_token。请设置令牌后重试。</translation>
    </message>
    <message>
        <source>The access token has expired (tokens live 2 hours). Paste a fresh token and resume.</source>
        <translation>access_token 已过期（令牌有效期为 2 小时）。请粘贴新的令牌后继续。</translation>
    </message>
    <message>
        <source>This token may not call this API. Check the API mode (component or tcb) of the profile and that the permission set for CloudBase is authorized.</source>
        <translation>此令牌无权调用该接口。请检查配置的接口类型（第三方平台 componenttcb 或小程序 tcb），并确认云开发相关权限集已授权。</translation>
    </message>
    <message>
        <source>The service rejected this batch as invalid (often a malformed file ID in it).</source>
        <translation>服务认为这批请求无效（通常是其中有格式错误的云文件 ID）。</translation>
    </message>
    <message>
        <source>The service says a required parameter is missing.</source>
        <translation>服务提示缺少必需的参数。</translation>
    </message>
    <message>
        <source>The service rejected the request format (a bug in TCB Links; please report it).</source>
        <translation>服务拒绝了请求格式（这是 TCB Links 的缺陷，请报告）。</translation>
    </message>
    <message>
        <source>CloudBase is not enabled for this account. Enable CloudBase (云开发) for the mini program, or authorize it for the third-party platform.</source>
        <translation>此账号未开通云开发。请为小程序开通云开发，或为第三方平台授权云开发。</translation>
    </message>
    <message>
        <source>CloudBase reports a system error.</source>
        <translation>云开发报告系统错误。</translation>
    </message>
    <message>
        <source>CloudBase timed out.</source>
        <translation>云开发请求超时。</translation>
    </message>
    <message>
        <source>The CloudBase request quota was reached.</source>
        <translation>已达到云开发请求配额。</translation>
    </message>
    <message>
        <source>The CloudBase concurrency limit was reached.</source>
        <translation>已达到云开发并发上限。</translation>
    </message>
    <message>
        <source>The service does not know this environment ID. Check the env part of the IDs.</source>
        <translation>服务不认识此环境 ID。请检查云文件 ID 中的环境 ID 部分。</translation>
    </message>
    <message>
        <source>The service rejected a parameter of this request.</source>
        <translation>服务拒绝了此请求中的某个参数。</translation>
    </message>
    <message>
        <source>WeChat rejected the AppSecret for this AppID. Copy the current AppSecret from the WeChat MP console (开发管理 → 开发设置 → AppSecret) and save it again; it changes whenever someone resets it.</source>
        <translation>微信拒绝了此 AppID 的 AppSecret。请从微信公众平台（开发管理 → 开发设置 → AppSecret）复制当前的 AppSecret 并重新保存；每次有人重置后它都会改变。</translation>
    </message>
    <message>
        <source>The token service rejected the request format (a bug in TCB Links; please report it).</source>
        <translation>令牌服务拒绝了请求格式（这是 TCB Links 的缺陷，请报告）。</translation>
    </message>
    <message>
        <source>WeChat does not know this AppID. Check the mini program&apos;s AppID in the WeChat MP console (开发管理 → 开发设置): it is wx followed by 16 letters and digits. Then save it again.</source>
        <translation>微信不认识此 AppID。请在微信公众平台（开发管理 → 开发设置）核对小程序的 AppID：它以 wx 开头，后接 16 位字母和数字。然后重新保存。</translation>
    </message>
    <message>
        <source>This computer&apos;s IP address is not on the mini program&apos;s IP allowlist. Add it in the WeChat MP console (开发管理 → 开发设置 → IP白名单), or run from an allowed machine.</source>
        <translation>本机的 IP 地址不在小程序的 IP 白名单中。请在微信公众平台（开发管理 → 开发设置 → IP白名单）中添加，或在白名单内的机器上运行。</translation>
    </message>
    <message>
        <source>The AppSecret of this mini program is frozen. Unfreeze it in the WeChat MP console (开发管理 → 开发设置), then try again.</source>
        <translation>此小程序的 AppSecret 已被冻结。请在微信公众平台（开发管理 → 开发设置）解冻后重试。</translation>
    </message>
    <message>
        <source>No AppID was sent. Set the mini program&apos;s AppID for this profile.</source>
        <translation>请求中没有 AppID。请为此配置设置小程序的 AppID。</translation>
    </message>
    <message>
        <source>No AppSecret was sent. Save the mini program&apos;s AppSecret for this profile.</source>
        <translation>请求中没有 AppSecret。请为此配置保存小程序的 AppSecret。</translation>
    </message>
    <message>
        <source>WeChat hands out no more access tokens to this mini program today (the daily quota of token requests is used up). Try again tomorrow, or ask the account owner to reset the quota.</source>
        <translation>微信今天不再为此小程序发放 access_token（获取令牌的每日配额已用完）。请明天再试，或请账号所有者重置配额。</translation>
    </message>
    <message>
        <source>WeChat asked the mini program&apos;s administrator to confirm calls from this computer&apos;s IP address. Try again once the administrator has approved it.</source>
        <translation>微信已请小程序管理员确认来自本机 IP 地址的调用。请在管理员确认后重试。</translation>
    </message>
    <message>
        <source>The mini program&apos;s administrator refused calls from this computer&apos;s IP address. Try again in 24 hours, or ask the administrator to add this IP to the IP allowlist (开发管理 → 开发设置 → IP白名单).</source>
        <translation>小程序管理员拒绝了来自本机 IP 地址的调用。请 24 小时后再试，或请管理员将此 IP 加入 IP 白名单（开发管理 → 开发设置 → IP白名单）。</translation>
    </message>
    <message>
        <source>The mini program&apos;s administrator refused calls from this computer&apos;s IP address. Try again in 1 hour, or ask the administrator to add this IP to the IP allowlist (开发管理 → 开发设置 → IP白名单).</source>
        <translation>小程序管理员拒绝了来自本机 IP 地址的调用。请 1 小时后再试，或请管理员将此 IP 加入 IP 白名单（开发管理 → 开发设置 → IP白名单）。</translation>
    </message>
    <message>
        <source>File does not exist</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>No permission to read this file</source>
        <translation>无权读取此文件</translation>
    </message>
    <message>
        <source>Storage request failed</source>
        <translation>存储请求失败</translation>
    </message>
    <message>
        <source>File belongs to another environment</source>
        <translation>文件属于其他环境</translation>
    </message>
    <message>
        <source>{name} is not a text file (it looks like binary data). Open a text, CSV, TSV, JSON or log file with cloud file IDs.</source>
        <translation>{name} 不是文本文件（看起来是二进制数据）。请打开包含云文件 ID 的文本、CSV、TSV、JSON 或 log 文件。</translation>
    </message>
    <message>
        <source>{name} is not text in {encoding}. Save it as UTF-8 (or GB18030, or UTF-16 with a byte order mark) and try again.</source>
        <translation>{name} 不是 {encoding} 编码的文本。请另存为 UTF-8（或 GB18030，或带字节顺序标记的 UTF-16）后重试。</translation>
    </message>
    <message>
        <source>{name} is text, but not in an encoding TCB Links reads (UTF-8, UTF-16 or GB18030): line {line} has the byte {byte} (“{char}” in Windows-1252 / Latin-1). Save the file as UTF-8 and try again.</source>
        <translation>{name} 是文本，但不是 TCB Links 能读取的编码（UTF-8、UTF-16 或 GB18030）：第 {line} 行有字节 {byte}（在 Windows-1252 / Latin-1 中为“{char}”）。请将文件另存为 UTF-8 后重试。</translation>
    </message>
    <message>
        <source>{name} is text, but not in an encoding TCB Links reads (UTF-8, UTF-16 or GB18030): line {line} has the byte {byte}. Save the file as UTF-8 and try again.</source>
        <translation>{name} 是文本，但不是 TCB Links 能读取的编码（UTF-8、UTF-16 或 GB18030）：第 {line} 行有字节 {byte}。请将文件另存为 UTF-8 后重试。</translation>
    </message>
    <message>
        <source>{name} is larger than {limit}, the limit for a list of IDs. Split it into smaller files.</source>
        <translation>{name} 超过了 ID 列表的大小上限 {limit}。请拆分为较小的文件。</translation>
    </message>
    <message>
        <source>Cannot read {name}: {reason}.</source>
        <translation>无法读取 {name}：{reason}。</translation>
    </message>
    <message>
        <source>{name} is a folder, not a file with IDs.</source>
        <translation>{name} 是文件夹，不是包含 ID 的文件。</translation>
    </message>
    <message>
        <source>{name} is a named pipe, not a file: reading it could wait for ever. Save the IDs in a file and add that file.</source>
        <translation>{name} 是命名管道，不是文件：读取它可能会一直等待。请把 ID 保存到文件中，再添加该文件。</translation>
    </message>
    <message>
        <source>{name} is a device, not a file: reading it may never end. Save the IDs in a file and add that file.</source>
        <translation>{name} 是设备，不是文件：读取它可能永远不会结束。请把 ID 保存到文件中，再添加该文件。</translation>
    </message>
    <message>
        <source>{name} is a socket, not a file with IDs.</source>
        <translation>{name} 是套接字，不是包含 ID 的文件。</translation>
    </message>
    <message>
        <source>{name} is a disk device, not a file with IDs.</source>
        <translation>{name} 是磁盘设备，不是包含 ID 的文件。</translation>
    </message>
    <message>
        <source>{name} is not a file with IDs.</source>
        <translation>{name} 不是包含 ID 的文件。</translation>
    </message>
    <message>
        <source>does not start with cloud://</source>
        <translation>不以 cloud:// 开头</translation>
    </message>
    <message>
        <source>has no file path after the bucket</source>
        <translation>存储桶后缺少文件路径</translation>
    </message>
    <message>
        <source>environment and bucket are longer than {limit} characters</source>
        <translation>环境 ID 与存储桶合计超过 {limit} 个字符</translation>
    </message>
    <message>
        <source>has no environment ID or bucket</source>
        <translation>缺少环境 ID 和存储桶</translation>
    </message>
    <message>
        <source>has no &apos;.&apos; between the environment ID and the bucket</source>
        <translation>环境 ID 与存储桶之间缺少“.”</translation>
    </message>
    <message>
        <source>has no environment ID before the first &apos;.&apos;</source>
        <translation>第一个“.”之前缺少环境 ID</translation>
    </message>
    <message>
        <source>environment ID may hold only lowercase letters, digits and &apos;-&apos;</source>
        <translation>环境 ID 只能包含小写字母、数字和“-”</translation>
    </message>
    <message>
        <source>has an invalid bucket name</source>
        <translation>存储桶名称无效</translation>
    </message>
    <message>
        <source>file path holds control characters</source>
        <translation>文件路径含有控制字符</translation>
    </message>
    <message>
        <source>file path is longer than {limit} bytes</source>
        <translation>文件路径超过 {limit} 字节</translation>
    </message>
    <message>
        <source>Not a valid base URL: {url!r} ({error}).</source>
        <translation>不是有效的服务地址：{url!r}（{error}）。</translation>
    </message>
    <message>
        <source>Not a valid base URL: {url!r}.</source>
        <translation>不是有效的服务地址：{url!r}。</translation>
    </message>
    <message>
        <source>The base URL must be an https:// address, not {url!r}.</source>
        <translation>服务地址必须是 https:// 地址，而不是 {url!r}。</translation>
    </message>
    <message>
        <source>The base URL may not carry a user name, a query or a fragment.</source>
        <translation>服务地址不能包含用户名、查询参数或片段。</translation>
    </message>
    <message>
        <source>Refusing plain http:// for {host}: the token would travel unencrypted. Use https:// (plain http is allowed only for loopback addresses).</source>
        <translation>拒绝对 {host} 使用明文 http://：令牌会以未加密的方式传输。请使用 https://（仅本机回环地址允许使用明文 http）。</translation>
    </message>
    <message>
        <source>connection timed out</source>
        <translation>连接超时</translation>
    </message>
    <message>
        <source>the service took too long to answer</source>
        <translation>服务响应时间过长</translation>
    </message>
    <message>
        <source>sending the request timed out</source>
        <translation>发送请求超时</translation>
    </message>
    <message>
        <source>no free connection</source>
        <translation>没有空闲连接</translation>
    </message>
    <message>
        <source>could not connect</source>
        <translation>无法连接</translation>
    </message>
    <message>
        <source>the connection was cut</source>
        <translation>连接被中断</translation>
    </message>
    <message>
        <source>the host&apos;s answer was malformed</source>
        <translation>服务器的应答格式有误</translation>
    </message>
    <message>
        <source>the connection broke while reading</source>
        <translation>读取时连接断开</translation>
    </message>
    <message>
        <source>The service answered HTTP {status}</source>
        <translation>服务返回 HTTP {status}</translation>
    </message>
    <message>
        <source>The service answered HTTP {status}. Check the base URL.</source>
        <translation>服务返回 HTTP {status}。请检查服务地址。</translation>
    </message>
    <message>
        <source>The service sent an unreadable (non-JSON or cut) answer</source>
        <translation>服务的应答无法读取（不是 JSON 或被截断）</translation>
    </message>
    <message>
        <source>The service sent an answer of an unexpected shape</source>
        <translation>服务的应答格式不符合预期</translation>
    </message>
    <message>
        <source>The service sent an answer with an unreadable error code</source>
        <translation>服务应答中的错误码无法读取</translation>
    </message>
    <message>
        <source>The service&apos;s answer has no file list</source>
        <translation>服务的应答中没有文件列表</translation>
    </message>
    <message>
        <source>The service redirected to an invalid address. Check the base URL.</source>
        <translation>服务重定向到了无效地址。请检查服务地址。</translation>
    </message>
    <message>
        <source>The service returned a link that is not http(s)</source>
        <translation>服务返回的链接不是 http(s) 链接</translation>
    </message>
    <message>
        <source>The service returned no link for this file</source>
        <translation>服务未返回此文件的链接</translation>
    </message>
    <message>
        <source>{message} (errcode {code})</source>
        <translation>{message}（错误码 {code}）</translation>
    </message>
    <message>
        <source>{message} (errcode {code}: {detail})</source>
        <translation>{message}（错误码 {code}：{detail}）</translation>
    </message>
    <message>
        <source>no answer from the service</source>
        <translation>服务没有应答</translation>
    </message>
    <message>
        <source>no answer from the service for this file</source>
        <translation>服务没有返回此文件的结果</translation>
    </message>
    <message>
        <source>{problem}; gave up after {tries} tries</source>
        <translation>{problem}；尝试 {tries} 次后放弃</translation>
    </message>
    <message>
        <source>Internal error while reading the service&apos;s answer</source>
        <translation>读取服务应答时发生内部错误</translation>
    </message>
    <message>
        <source>The token works for this API.</source>
        <translation>令牌可用于此接口。</translation>
    </message>
    <message>
        <source>The token check failed: {reason}</source>
        <translation>令牌检查失败：{reason}</translation>
    </message>
    <message>
        <source>Could not check the token: {problem}. Check the network and the base URL.</source>
        <translation>无法检查令牌：{problem}。请检查网络和服务地址。</translation>
    </message>
    <message>
        <source>max age must be {low}..{high} seconds</source>
        <translation>链接有效期必须在 {low}..{high} 秒之间</translation>
    </message>
    <message>
        <source>concurrency must be 1..{high}</source>
        <translation>并发数必须在 1..{high} 之间</translation>
    </message>
    <message>
        <source>No access token is set. Set one for this profile, or set TCB_ACCESS_TOKEN.</source>
        <translation>尚未设置 access_token。请为此配置设置令牌，或设置环境变量 TCB_ACCESS_TOKEN。</translation>
    </message>
    <message>
        <source>Not saving {path!r}: it would end up outside the download folder {dest!r} (a symbolic link on disk points elsewhere). Remove the link or choose another folder.</source>
        <translation>未保存 {path!r}：它会落在下载文件夹 {dest!r} 之外（磁盘上的符号链接指向了别处）。请删除该链接或选择其他文件夹。</translation>
    </message>
    <message>
        <source>Cannot read the rate {text!r}: use a number of bytes per second, optionally with K, M or G (1024-based), e.g. 2M or 500K.</source>
        <translation>无法识别速度 {text!r}：请使用每秒字节数，可带 K、M 或 G（按 1024 进位），例如 2M 或 500K。</translation>
    </message>
    <message>
        <source>The rate {text!r} is below one byte per second.</source>
        <translation>速度 {text!r} 低于每秒 1 字节。</translation>
    </message>
    <message>
        <source>Download concurrency must be {low}..{high}, not {n}.</source>
        <translation>下载并发数必须在 {low}..{high} 之间，而不是 {n}。</translation>
    </message>
    <message>
        <source>The rate limit must be at least one byte per second.</source>
        <translation>限速至少为每秒 1 字节。</translation>
    </message>
    <message>
        <source>The chunk size must be positive.</source>
        <translation>分块大小必须为正数。</translation>
    </message>
    <message>
        <source>At least one try is needed.</source>
        <translation>至少需要尝试一次。</translation>
    </message>
    <message>
        <source>The server sent an HTML page ({media_type}) instead of the file</source>
        <translation>服务器返回的是 HTML 网页（{media_type}），而不是文件</translation>
    </message>
    <message>
        <source>The server sent an HTML page instead of the file</source>
        <translation>服务器返回的是 HTML 网页，而不是文件</translation>
    </message>
    <message>
        <source>{reason}; it was not saved</source>
        <translation>{reason}；未保存</translation>
    </message>
    <message>
        <source>The download link is not a valid URL</source>
        <translation>下载链接不是有效的 URL</translation>
    </message>
    <message>
        <source>Refusing to fetch a link that is not http(s)</source>
        <translation>拒绝下载非 http(s) 链接</translation>
    </message>
    <message>
        <source>The server redirected to an invalid address</source>
        <translation>服务器重定向到了无效地址</translation>
    </message>
    <message>
        <source>Too many redirects</source>
        <translation>重定向次数过多</translation>
    </message>
    <message>
        <source>The server refused the link ({status})</source>
        <translation>服务器拒绝了该链接（{status}）</translation>
    </message>
    <message>
        <source>The link has expired ({status})</source>
        <translation>链接已过期（{status}）</translation>
    </message>
    <message>
        <source>The server answered {status}</source>
        <translation>服务器返回 {status}</translation>
    </message>
    <message>
        <source>The file is not on the server ({status})</source>
        <translation>服务器上没有此文件（{status}）</translation>
    </message>
    <message>
        <source>{reason}, even with a fresh link</source>
        <translation>{reason}，换用新链接后依然如此</translation>
    </message>
    <message>
        <source>{reason} (gave up after {tries} tries)</source>
        <translation>{reason}（尝试 {tries} 次后放弃）</translation>
    </message>
    <message>
        <source>The server sent more than the announced {total}; starting over</source>
        <translation>服务器发送的数据超过了声明的 {total}；重新开始</translation>
    </message>
    <message>
        <source>The download ended early ({written} of {total}); resuming</source>
        <translation>下载提前结束（{written}/{total}）；继续下载</translation>
    </message>
    <message>
        <source>{reason}; starting over</source>
        <translation>{reason}；重新开始</translation>
    </message>
    <message>
        <source>The server could not serve the rest of the file</source>
        <translation>服务器无法提供文件的剩余部分</translation>
    </message>
    <message>
        <source>The server sent a different part of the file</source>
        <translation>服务器发送了文件的另一部分</translation>
    </message>
    <message>
        <source>The file changed on the server</source>
        <translation>服务器上的文件已变化</translation>
    </message>
    <message>
        <source>{reason} after {written}; resuming</source>
        <translation>{reason}（已下载 {written}）；继续下载</translation>
    </message>
    <message>
        <source>{reason} after {written}; starting over</source>
        <translation>{reason}（已下载 {written}）；从头重新下载</translation>
    </message>
    <message>
        <source>The partial file holds {size}, not {total}</source>
        <translation>未完成的文件大小为 {size}，而不是 {total}</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}</source>
        <translation>无法写入 {path}：{reason}</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}. Make {folder} writable for you, or choose another download folder.</source>
        <translation>无法写入 {path}：{reason}。请让你对 {folder} 有写入权限，或选择其他下载文件夹。</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}. Choose a download folder on a disk that can be written to.</source>
        <translation>无法写入 {path}：{reason}。请选择位于可写磁盘上的下载文件夹。</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}. The disk of {folder} does not take files this large (a FAT32 disk takes at most 4 GiB per file): choose a download folder on another disk.</source>
        <translation>无法写入 {path}：{reason}。{folder} 所在的磁盘不接受这么大的文件（FAT32 磁盘上单个文件最大 4 GiB）：请选择另一块磁盘上的下载文件夹。</translation>
    </message>
    <message>
        <source>Cannot write {path}: {blocker} is a file where a folder of that name is needed. Move or rename that file, or choose another download folder.</source>
        <translation>无法写入 {path}：{blocker} 是一个文件，而此处需要同名的文件夹。请移走或重命名该文件，或选择其他下载文件夹。</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}. A folder of that name is in the way: move or rename it, or choose another download folder.</source>
        <translation>无法写入 {path}：{reason}。有一个同名文件夹挡住了它：请移走或重命名该文件夹，或选择其他下载文件夹。</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}. Choose a download folder with a shorter path, or the flat layout (every file directly in the folder).</source>
        <translation>无法写入 {path}：{reason}。请选择路径更短的下载文件夹，或使用平铺布局（所有文件直接放在该文件夹中）。</translation>
    </message>
    <message>
        <source>{name} is not a regular file; refusing to write it</source>
        <translation>{name} 不是普通文件；拒绝写入</translation>
    </message>
    <message>
        <source>Cannot create the folder {dest}: {reason}</source>
        <translation>无法创建文件夹 {dest}：{reason}</translation>
    </message>
    <message>
        <source>The disk is full: {dest} has no room left ({reason}); partial files were kept and will resume. Free some space and run the download again.</source>
        <translation>磁盘已满：{dest} 没有剩余空间（{reason}）；未完成的文件已保留，之后会继续下载。请释放一些空间后重新下载。</translation>
    </message>
    <message>
        <source>The disk is full: {dest} has no room left ({reason}). Free some space and run the download again.</source>
        <translation>磁盘已满：{dest} 没有剩余空间（{reason}）。请释放一些空间后重新下载。</translation>
    </message>
    <message>
        <source>Stopped: the disk is full</source>
        <translation>已停止：磁盘已满</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>No download link.</source>
        <translation>没有下载链接。</translation>
    </message>
    <message>
        <source>The service gave no download link.</source>
        <translation>服务没有提供下载链接。</translation>
    </message>
    <message>
        <source>Could not fetch a fresh link (internal error).</source>
        <translation>无法获取新链接（内部错误）。</translation>
    </message>
    <message>
        <source>No answer from the service.</source>
        <translation>服务没有应答。</translation>
    </message>
    <message>
        <source>A profile named {other!r} exists already: {name!r} differs from it only in case, and some keyrings (Windows) keep such names as one. Pick another name.</source>
        <translation>已有名为 {other!r} 的配置：{name!r} 与其仅大小写不同，部分密钥环（Windows）会把这样的名称视为同一个。请换一个名称。</translation>
    </message>
    <message>
        <source>Not resolved: {reason}</source>
        <translation>未解析：{reason}</translation>
    </message>
    <message>
        <source>Not downloaded: {reason}</source>
        <translation>未下载：{reason}</translation>
    </message>
    <message>
        <source>Another download is writing into {dest} (process {pid} on {host}, started {started}). Wait until it ends, or choose another folder.</source>
        <translation>另一个下载正在写入 {dest}（{host} 上的进程 {pid}，开始于 {started}）。请等它结束，或选择其他文件夹。</translation>
    </message>
    <message>
        <source>Another download may be writing into {dest} (process {pid} on {host}, started {started}). If that run is over, delete {lock} and start again.</source>
        <translation>可能有另一个下载正在写入 {dest}（{host} 上的进程 {pid}，开始于 {started}）。如果那次运行已经结束，请删除 {lock} 后重新开始。</translation>
    </message>
    <message>
        <source>Cannot lock the folder {dest}: {reason}</source>
        <translation>无法锁定文件夹 {dest}：{reason}</translation>
    </message>
    <message>
        <source>Cannot read the file: {reason}</source>
        <translation>无法读取文件：{reason}</translation>
    </message>
    <message>
        <source>No AppSecret for profile {name!r}. Save it with &apos;tcb-gui token set --appsecret&apos; (reads it from stdin) or set the TCB_APP_SECRET variable.</source>
        <translation>配置 {name!r} 没有 AppSecret。请用 &apos;tcb-gui token set --appsecret&apos;（从标准输入读取）保存，或设置环境变量 TCB_APP_SECRET。</translation>
    </message>
    <message>
        <source>No access token for profile {name!r}. Set one with &apos;tcb-gui token set&apos; (reads it from stdin) or the TCB_ACCESS_TOKEN variable.</source>
        <translation>配置 {name!r} 没有 access_token。请用 &apos;tcb-gui token set&apos;（从标准输入读取）设置，或设置环境变量 TCB_ACCESS_TOKEN。</translation>
    </message>
    <message>
        <source>No profile named {name!r} (known: {known}).</source>
        <translation>没有名为 {name!r} 的配置（已有：{known}）。</translation>
    </message>
    <message>
        <source>Profile {name!r} gets its token from the mini program&apos;s AppID and AppSecret; such a token works with --api tcb only.</source>
        <translation>配置 {name!r} 用小程序的 AppID 和 AppSecret 获取令牌；这种令牌只能用于 --api tcb。</translation>
    </message>
    <message>
        <source>Profile {name!r} has no AppID: set it with &apos;tcb-gui token set --appsecret --appid wx…&apos;.</source>
        <translation>配置 {name!r} 没有 AppID：请用 &apos;tcb-gui token set --appsecret --appid wx…&apos; 设置。</translation>
    </message>
    <message>
        <source>Saved as the host sent it, compressed ({encoding}): the host ignored the request for the file as stored</source>
        <translation>已按服务器发送的压缩形式（{encoding}）保存：服务器没有按要求发送原始存储的文件</translation>
    </message>
    <message>
        <source>Replaced a damaged copy: the file saved there earlier no longer matched what was recorded when it was downloaded</source>
        <translation>已替换损坏的副本：此前保存在该位置的文件已与下载时记录的内容不一致</translation>
    </message>
    <message>
        <source>The checksum matches</source>
        <translation>校验和一致</translation>
    </message>
    <message>
        <source>The downloaded file does not match the storage&apos;s checksum (CRC-64 {got}, expected {expected})</source>
        <translation>下载的文件与云存储的校验和不一致（CRC-64 为 {got}，应为 {expected}）</translation>
    </message>
    <message>
        <source>The file does not match the checksum recorded when it was downloaded</source>
        <translation>文件与下载时记录的校验和不一致</translation>
    </message>
    <message>
        <source>The file holds {size}, not {expected}</source>
        <translation>文件大小为 {size}，而不是 {expected}</translation>
    </message>
    <message>
        <source>The file is missing</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>The server sent almost nothing for {seconds} s</source>
        <translation>服务器在 {seconds} 秒内几乎没有发送数据</translation>
    </message>
    <message>
        <source>The size matches (no checksum was recorded)</source>
        <translation>大小一致（未记录校验和）</translation>
    </message>
    <message>
        <source>The size is as saved (no checksum or size was announced to check it against)</source>
        <translation>大小与保存时一致（下载时既无校验值也无大小可供核对）</translation>
    </message>
    <message>
        <source>The stall timeout must be positive.</source>
        <translation>停滞超时必须大于 0。</translation>
    </message>
    <message>
        <source>{dest} has no record of downloaded files to check (no manifest of TCB Links)</source>
        <translation>{dest} 中没有可供检查的下载记录（没有 TCB Links 的清单文件）</translation>
    </message>
    <message>
        <source>The record of downloaded files in {dest} cannot be used ({problem}): nothing was checked. Download the folder&apos;s list again to check and record every file.</source>
        <translation>{dest} 中的已下载文件记录无法使用（{problem}）：没有检查任何文件。请把这个文件夹的列表重新下载一次，以检查并记录每个文件。</translation>
    </message>
    <message>
        <source>it is not a regular file that can be read</source>
        <translation>它不是可读取的普通文件</translation>
    </message>
    <message>
        <source>it is not the JSON TCB Links writes</source>
        <translation>它不是 TCB Links 写入的 JSON</translation>
    </message>
    <message>
        <source>it is of a version this TCB Links does not know: {version}</source>
        <translation>它的版本是此 TCB Links 不认识的：{version}</translation>
    </message>
    <message>
        <source>Its record in the manifest is damaged: the file was not checked</source>
        <translation>它在清单中的记录已损坏：未检查此文件</translation>
    </message>
    <message>
        <source>{reason}; downloading it again</source>
        <translation>{reason}；将重新下载</translation>
    </message>
    <message>
        <source>No free name for the partial file of {name}</source>
        <translation>找不到可用的名称来保存 {name} 的未完成文件</translation>
    </message>
    <message>
        <source>CloudBase reports the resource is unavailable.</source>
        <translation>云开发报告该资源不可用。</translation>
    </message>
    <message>
        <source>The CloudBase environment has run out of storage space (see the CloudBase console).</source>
        <translation>云开发环境的存储空间已用完（请查看云开发控制台）。</translation>
    </message>
    <message>
        <source>The CloudBase environment&apos;s quota of read or write requests is used up. Nothing more can be resolved until it resets, or until the environment&apos;s plan is upgraded in the CloudBase console.</source>
        <translation>云开发环境的读写请求配额已用完。在配额重置或在云开发控制台升级环境套餐之前，无法再解析。</translation>
    </message>
    <message>
        <source>The service says a resource of this request is invalid or does not exist. Check the bucket part of the IDs.</source>
        <translation>服务认为此请求中的某个资源无效或不存在。请检查云文件 ID 中的存储桶部分。</translation>
    </message>
    <message>
        <source>{message} WeChat saw this computer&apos;s address as {ip}.</source>
        <translation>{message}微信看到的本机地址是 {ip}。</translation>
    </message>
    <message>
        <source>Nothing good came back from the service for {seconds} s (last: {problem}). Check the network and the base URL, then try the rest again.</source>
        <translation>服务在 {seconds} 秒内没有返回有效结果（最后一次：{problem}）。请检查网络和服务地址，然后重试其余部分。</translation>
    </message>
    <message>
        <source>no whole answer within {seconds} s</source>
        <translation>{seconds} 秒内没有收到完整的应答</translation>
    </message>
    <message>
        <source>interrupted by Ctrl+C</source>
        <translation>已被 Ctrl+C 中断</translation>
    </message>
    <message>
        <source>{name} must be a number of seconds above 0</source>
        <translation>{name} 必须是大于 0 的秒数</translation>
    </message>
    <message>
        <source>A component_access_token (a third-party platform&apos;s own environment) goes with componenttcb/…; a mini program&apos;s access_token, or an authorizer_access_token of an account that granted the platform the CloudBase permission set, goes with tcb/…</source>
        <translation>component_access_token（第三方平台自己的环境）对应 componenttcb/…；小程序的 access_token，或已向第三方平台授权云开发权限集的账号的 authorizer_access_token，对应 tcb/…</translation>
    </message>
    <message>
        <source>the keyring (unreadable)</source>
        <translation>密钥环（无法读取）</translation>
    </message>
    <message>
        <source>TCB_ACCESS_TOKEN</source>
        <translation>环境变量 TCB_ACCESS_TOKEN</translation>
    </message>
    <message>
        <source>the keyring</source>
        <translation>密钥环</translation>
    </message>
    <message>
        <source>this session</source>
        <translation>本次会话</translation>
    </message>
    <message>
        <source>stable_token with the AppID {appid}</source>
        <translation>用 AppID {appid} 调用 stable_token</translation>
    </message>
    <message>
        <source>the profile</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>connecting directly (no proxy variables set)</source>
        <translation>直接连接（未设置代理变量）</translation>
    </message>
    <message>
        <source>connecting directly (tcb-gui does not use {names})</source>
        <translation>直接连接（tcb-gui 不使用 {names}）</translation>
    </message>
    <message>
        <source>{step} If this network reaches the internet only through the proxy in {name}, run tcb-gui where {host} can be reached directly.</source>
        <translation>{step}如果此网络只能通过 {name} 中的代理访问互联网，请在能直接访问 {host} 的地方运行 tcb-gui。</translation>
    </message>
    <message>
        <source>cannot find {host} (DNS: {why}); {proxy_note}</source>
        <translation>找不到 {host}（DNS：{why}）；{proxy_note}</translation>
    </message>
    <message>
        <source>Check the base URL ({base_url}) and this computer&apos;s DNS.</source>
        <translation>请检查服务地址（{base_url}）和本机的 DNS。</translation>
    </message>
    <message>
        <source>{where} port {port} cannot be reached ({why}); {proxy_note}</source>
        <translation>无法连接 {where} 的 {port} 端口（{why}）；{proxy_note}</translation>
    </message>
    <message>
        <source>Check the base URL ({base_url}), the network and any firewall.</source>
        <translation>请检查服务地址（{base_url}）、网络和防火墙。</translation>
    </message>
    <message>
        <source>{host} ({address}:{port}) answers, but TLS fails ({why}); {proxy_note}</source>
        <translation>{host}（{address}:{port}）有应答，但 TLS 失败（{why}）；{proxy_note}</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>no such host name</source>
        <translation>没有这个主机名</translation>
    </message>
    <message>
        <source>no answer from the DNS server in time</source>
        <translation>DNS 服务器未及时应答</translation>
    </message>
    <message>
        <source>the DNS server failed</source>
        <translation>DNS 服务器出错</translation>
    </message>
    <message>
        <source>the name has no address</source>
        <translation>该域名没有地址</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>the network is unreachable</source>
        <translation>网络不可达</translation>
    </message>
    <message>
        <source>no route to the host</source>
        <translation>没有到该主机的路由</translation>
    </message>
    <message>
        <source>the connection was reset</source>
        <translation>连接被重置</translation>
    </message>
    <message>
        <source>the handshake timed out</source>
        <translation>握手超时</translation>
    </message>
    <message>
        <source>the certificate is not trusted: {reason}</source>
        <translation>证书不受信任：{reason}</translation>
    </message>
    <message>
        <source>{problem}. Trying again cannot help: a network that inspects HTTPS (a company proxy or antivirus) needs its certificates named in SSL_CERT_FILE, and a wrong clock breaks TLS too.</source>
        <translation>{problem}。重试无济于事：检查 HTTPS 流量的网络（公司代理或杀毒软件）需要在 SSL_CERT_FILE 中指定其证书，错误的时钟也会导致 TLS 失败。</translation>
    </message>
    <message>
        <source>it is not valid yet</source>
        <translation>尚未生效</translation>
    </message>
    <message>
        <source>it has expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>it is self-signed</source>
        <translation>为自签名证书</translation>
    </message>
    <message>
        <source>a self-signed certificate is in its chain</source>
        <translation>证书链中有自签名证书</translation>
    </message>
    <message>
        <source>its issuer is not known to this computer</source>
        <translation>本机不认识其签发机构</translation>
    </message>
    <message>
        <source>it is for another host name</source>
        <translation>属于另一个主机名</translation>
    </message>
    <message>
        <source>the port does not speak TLS (plain http?)</source>
        <translation>该端口不使用 TLS（是普通 http 吗？）</translation>
    </message>
    <message>
        <source>A network that inspects HTTPS (a company proxy or antivirus) or a wrong clock breaks TLS: try another network, and check the clock.</source>
        <translation>检查 HTTPS 流量的网络（公司代理或杀毒软件）或错误的时钟会导致 TLS 失败：请换一个网络试试，并检查时钟。</translation>
    </message>
    <message>
        <source>{where} — DNS {dns}, TCP {tcp}, TLS {tls}; {proxy_note}</source>
        <translation>{where} — 耗时 DNS {dns}，TCP {tcp}，TLS {tls}；{proxy_note}</translation>
    </message>
    <message>
        <source>{where} — DNS {dns}, TCP {tcp}, plain http (loopback only); {proxy_note}</source>
        <translation>{where} — 耗时 DNS {dns}，TCP {tcp}，明文 http（仅限本机回环）；{proxy_note}</translation>
    </message>
    <message>
        <source>not checked</source>
        <translation>未检查</translation>
    </message>
    <message>
        <source>not checked: {why}</source>
        <translation>未检查：{why}</translation>
    </message>
    <message>
        <source>no answer with a Date header</source>
        <translation>没有带 Date 头的应答</translation>
    </message>
    <message>
        <source>the service cannot be reached</source>
        <translation>无法连接服务</translation>
    </message>
    <message>
        <source>{why} (found in {source})</source>
        <translation>{why}（令牌来自{source}）</translation>
    </message>
    <message>
        <source>no token</source>
        <translation>没有令牌</translation>
    </message>
    <message>
        <source>no token ({words})</source>
        <translation>没有令牌（{words}）</translation>
    </message>
    <message>
        <source>the service refused this computer&apos;s IP</source>
        <translation>服务拒绝了本机的 IP</translation>
    </message>
    <message>
        <source>{why} (token found in {source})</source>
        <translation>{why}（令牌来自{source}）</translation>
    </message>
    <message>
        <source>quota/get gave no answer ({problem})</source>
        <translation>quota/get 没有应答（{problem}）</translation>
    </message>
    <message>
        <source>quota/get&apos;s own quota is used up</source>
        <translation>quota/get 自身的额度已用完</translation>
    </message>
    <message>
        <source>quota/get answered {words}</source>
        <translation>quota/get 返回 {words}</translation>
    </message>
    <message>
        <source>the token is not accepted</source>
        <translation>令牌未被接受</translation>
    </message>
    <message>
        <source>the token fits neither API</source>
        <translation>令牌不适用于任何一种接口</translation>
    </message>
    <message>
        <source>within {seconds} s of the service&apos;s</source>
        <translation>与服务的时钟相差不超过 {seconds} 秒</translation>
    </message>
    <message>
        <source>this computer&apos;s clock is {amount} behind the service&apos;s</source>
        <translation>本机时钟比服务慢 {amount}</translation>
    </message>
    <message>
        <source>this computer&apos;s clock is {amount} ahead of the service&apos;s</source>
        <translation>本机时钟比服务快 {amount}</translation>
    </message>
    <message>
        <source>Set the clock automatically (NTP): link expiry times, the refresh of links before they end and the stable token&apos;s renewal are reckoned on this clock.</source>
        <translation>请开启自动校时（NTP）：链接的过期时间、链接到期前的刷新以及稳定令牌的续期都以本机时钟计算。</translation>
    </message>
    <message>
        <source>found in {source} — {why}</source>
        <translation>令牌来自{source}；{why}</translation>
    </message>
    <message>
        <source>The service answers TCP but not the API: check the base URL and run the check again.</source>
        <translation>服务能建立 TCP 连接，但接口没有应答：请检查服务地址，然后重新检查。</translation>
    </message>
    <message>
        <source>from {source}, accepted</source>
        <translation>来自{source}，已被接受</translation>
    </message>
    <message>
        <source>from {source}, a working {api} token</source>
        <translation>来自{source}，是可用的 {api} 令牌</translation>
    </message>
    <message>
        <source>from {source}, expired ({words})</source>
        <translation>来自{source}，已过期（{words}）</translation>
    </message>
    <message>
        <source>from {source}, rejected ({words})</source>
        <translation>来自{source}，被拒绝（{words}）</translation>
    </message>
    <message>
        <source>from {source}, known to the service</source>
        <translation>来自{source}，服务认得此令牌</translation>
    </message>
    <message>
        <source>profile {profile} gets its token with the AppID {appid}, but no AppSecret is saved</source>
        <translation>配置 {profile} 用 AppID {appid} 获取令牌，但没有保存 AppSecret</translation>
    </message>
    <message>
        <source>Save it: tcb-gui token set --appsecret (reads it from stdin), or set TCB_APP_SECRET.</source>
        <translation>请保存：tcb-gui token set --appsecret（从标准输入读取），或设置 TCB_APP_SECRET。</translation>
    </message>
    <message>
        <source>no token for profile {profile}</source>
        <translation>配置 {profile} 没有令牌</translation>
    </message>
    <message>
        <source>no token for profile {profile} (the keyring could not be read)</source>
        <translation>配置 {profile} 没有令牌（无法读取密钥环）</translation>
    </message>
    <message>
        <source>Set one: tcb-gui token set (reads it from stdin), Set token… in the window, or TCB_ACCESS_TOKEN.</source>
        <translation>请设置令牌：tcb-gui token set（从标准输入读取）、窗口中的“设置令牌…”，或 TCB_ACCESS_TOKEN。</translation>
    </message>
    <message>
        <source>stable_token refused the AppID and AppSecret (errcode {code}): {message}</source>
        <translation>stable_token 拒绝了此 AppID 和 AppSecret（错误码 {code}）：{message}</translation>
    </message>
    <message>
        <source>stable_token refused the AppID and AppSecret: {message}</source>
        <translation>stable_token 拒绝了此 AppID 和 AppSecret：{message}</translation>
    </message>
    <message>
        <source>Copy the current AppSecret from the WeChat MP console and save it again (tcb-gui token set --appsecret).</source>
        <translation>请从微信公众平台复制当前的 AppSecret 并重新保存（tcb-gui token set --appsecret）。</translation>
    </message>
    <message>
        <source>no token from stable_token (errcode {code}): {message}</source>
        <translation>未能从 stable_token 获得令牌（错误码 {code}）：{message}</translation>
    </message>
    <message>
        <source>no token from stable_token: {message}</source>
        <translation>未能从 stable_token 获得令牌：{message}</translation>
    </message>
    <message>
        <source>Run the check again later; if it persists, see the service&apos;s words above.</source>
        <translation>请稍后重新检查；如果问题仍在，请参看上方服务返回的说明。</translation>
    </message>
    <message>
        <source>the token fits {api} ({cgi_path})</source>
        <translation>令牌适用于 {api}（{cgi_path}）</translation>
    </message>
    <message>
        <source>the token fits {other} ({other_path}), not the profile&apos;s {api} ({cgi_path} answered {words})</source>
        <translation>令牌适用于 {other}（{other_path}），而不是配置的 {api}（{cgi_path} 返回 {words}）</translation>
    </message>
    <message>
        <source>Choose API mode {other} ({switch}, or Edit profile… → API mode), or use a token for {api}. {family}.</source>
        <translation>请选择接口类型 {other}（{switch}，或“编辑配置…”→ 接口类型），或使用适用于 {api} 的令牌。{family}。</translation>
    </message>
    <message>
        <source>A mini program&apos;s own token works with tcb only: keep API mode tcb. {family}.</source>
        <translation>小程序自己的令牌只适用于 tcb：请保持接口类型 tcb。{family}。</translation>
    </message>
    <message>
        <source>the token fits neither API: {cgi_path} answered {words}; {other_path} answered {other_words}</source>
        <translation>令牌不适用于任何一种接口：{cgi_path} 返回 {words}；{other_path} 返回 {other_words}</translation>
    </message>
    <message>
        <source>{family}. For an authorised account, check that the platform was granted the CloudBase permission set (49 or 64).</source>
        <translation>{family}。对于已授权的账号，请确认已向第三方平台授权云开发权限集（49 或 64）。</translation>
    </message>
    <message>
        <source>the service accepts calls from this computer</source>
        <translation>服务接受来自本机的调用</translation>
    </message>
    <message>
        <source>calls from this computer are refused (40164); {seen}</source>
        <translation>来自本机的调用被拒绝（40164）；{seen}</translation>
    </message>
    <message>
        <source>the service sees this computer as {ip}</source>
        <translation>服务看到的本机地址是 {ip}</translation>
    </message>
    <message>
        <source>the service names no address</source>
        <translation>服务没有给出地址</translation>
    </message>
    <message>
        <source>the mini program&apos;s IP allowlist (WeChat MP console → 开发管理 → 开发设置 → IP白名单)</source>
        <translation>小程序的 IP 白名单（微信公众平台 → 开发管理 → 开发设置 → IP白名单）</translation>
    </message>
    <message>
        <source>the IP allowlist of the account the token belongs to (for a third-party platform: its development settings on the Open Platform)</source>
        <translation>令牌所属账号的 IP 白名单（第三方平台：微信开放平台上的开发配置）</translation>
    </message>
    <message>
        <source>Add {address} to {where}. Behind NAT or a proxy this is the network&apos;s public address, not this machine&apos;s own.</source>
        <translation>请把 {address} 加入{where}。在 NAT 或代理之后，这是网络的公网地址，而不是本机自己的地址。</translation>
    </message>
    <message>
        <source>Add this network&apos;s public address to {where}. Behind NAT or a proxy this is the network&apos;s public address, not this machine&apos;s own.</source>
        <translation>请把此网络的公网地址加入{where}。在 NAT 或代理之后，这是网络的公网地址，而不是本机自己的地址。</translation>
    </message>
    <message>
        <source>Ask the mini program&apos;s administrator to allow this computer&apos;s IP address.</source>
        <translation>请小程序管理员允许本机的 IP 地址。</translation>
    </message>
    <message>
        <source>quota/get answered without numbers</source>
        <translation>quota/get 的应答中没有数字</translation>
    </message>
    <message>
        <source>today&apos;s quota for {cgi_path} is used up (0 of {limit} calls left, {used} used)</source>
        <translation>{cgi_path} 的今日额度已用完（{limit} 次中剩余 0 次，已用 {used} 次）</translation>
    </message>
    <message>
        <source>today&apos;s quota for {cgi_path} is used up (0 of {limit} calls left)</source>
        <translation>{cgi_path} 的今日额度已用完（{limit} 次中剩余 0 次）</translation>
    </message>
    <message>
        <source>today&apos;s quota for {cgi_path} is used up (0 calls left, {used} used)</source>
        <translation>{cgi_path} 的今日额度已用完（剩余 0 次，已用 {used} 次）</translation>
    </message>
    <message>
        <source>today&apos;s quota for {cgi_path} is used up (0 calls left)</source>
        <translation>{cgi_path} 的今日额度已用完（剩余 0 次）</translation>
    </message>
    <message>
        <source>Nothing more can be resolved until the quota resets tomorrow, or the account owner resets it (cgi-bin/clear_quota).</source>
        <translation>在明天额度重置之前，或账号所有者重置额度（cgi-bin/clear_quota）之前，无法再解析。</translation>
    </message>
    <message>
        <source>{remain} of {limit} calls left today for {cgi_path} (up to {ids} IDs)</source>
        <translation>{cgi_path} 今日剩余 {remain} 次调用，共 {limit} 次（最多 {ids} 个 ID）</translation>
    </message>
    <message>
        <source>{remain} calls left today for {cgi_path} (up to {ids} IDs)</source>
        <translation>{cgi_path} 今日剩余 {remain} 次调用（最多 {ids} 个 ID）</translation>
    </message>
    <message>
        <source>quota/get answered 45009 ({errmsg}): today&apos;s calls are used up</source>
        <translation>quota/get 返回 45009（{errmsg}）：今日调用次数已用完</translation>
    </message>
    <message>
        <source>Wait until the quota resets tomorrow, or ask the account owner to reset it.</source>
        <translation>请等明天额度重置，或请账号所有者重置额度。</translation>
    </message>
    <message>
        <source>not checked for {api}; for {other}: {detail}</source>
        <translation>未检查 {api}；{other} 的额度：{detail}</translation>
    </message>
    <message>
        <source>{backend} answers</source>
        <translation>{backend} 有应答</translation>
    </message>
    <message>
        <source>no system keyring answers: tokens and AppSecrets cannot be saved (they are never written to a file)</source>
        <translation>没有可用的系统密钥环：无法保存令牌和 AppSecret（它们绝不会写入文件）</translation>
    </message>
    <message>
        <source>Set TCB_ACCESS_TOKEN (or TCB_APP_SECRET) in the shell, or start and unlock a keyring (GNOME Keyring, KWallet, the macOS Keychain, Windows Credential Locker).</source>
        <translation>请在命令行环境中设置 TCB_ACCESS_TOKEN（或 TCB_APP_SECRET），或启动并解锁一个密钥环（GNOME Keyring、KWallet、macOS 钥匙串、Windows 凭据管理器）。</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>The storage refused the link: it expired (past its t=) or its signature does not match. A fresh link is asked for and the download resumes.</source>
        <translation>存储拒绝了该链接：链接已过期（超过其 t=）或签名不符。会重新获取链接并继续下载。</translation>
    </message>
    <message>
        <source>The storage has no such file, or the link was garbled on the way.</source>
        <translation>存储中没有此文件，或链接在途中被损坏。</translation>
    </message>
    <message>
        <source>The range asked for starts at the end of the file: the file is already complete.</source>
        <translation>请求的范围从文件末尾开始：文件已经完整。</translation>
    </message>
    <message>
        <source>The storage failed to answer; the request is tried again.</source>
        <translation>存储未能应答；请求会重试。</translation>
    </message>
    <message>
        <source>The storage answered HTTP {status}.</source>
        <translation>存储返回 HTTP {status}。</translation>
    </message>
    <message>
        <source>The service (or a gateway in front of it) answered HTTP {status}: busy or failing. The call is tried again with a growing pause.</source>
        <translation>服务（或其前面的网关）返回 HTTP {status}：繁忙或出错。调用会在逐渐加长的间隔后重试。</translation>
    </message>
    <message>
        <source>The service answered HTTP {status}, which the API never does: the base URL probably points at something else.</source>
        <translation>服务返回 HTTP {status}，而该 API 从不这样应答：基础 URL 可能指向了别的服务。</translation>
    </message>
    <message>
        <source>No answer from the service ({words}). Check the network, the base URL and any proxy: tcb-gui doctor checks them one by one.</source>
        <translation>服务没有应答（{words}）。请检查网络、基础 URL 和代理：tcb-gui doctor 会逐项检查。</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
    <message>
        <source>{words}. It is tried again.</source>
        <translation>{words}。会重试。</translation>
    </message>
    <message>
        <source>{words}. That was its last try.</source>
        <translation>{words}。这是最后一次尝试。</translation>
    </message>
    <message>
        <source>{words} The service saw the address {ip}: that is the one to add.</source>
        <translation>{words} 服务看到的地址是 {ip}：应添加的就是它。</translation>
    </message>
    <message>
        <source>The token&apos;s account type does not fit this API: a component_access_token goes with componenttcb/…, a mini program&apos;s access_token or an authorizer_access_token with tcb/…. Choose the other API mode, or use the other token.</source>
        <translation>令牌的账号类型与此 API 不符：component_access_token 用于 componenttcb/…，小程序的 access_token 或 authorizer_access_token 用于 tcb/…。请选择另一种 API 模式，或改用另一个令牌。</translation>
    </message>
    <message>
        <source>quota/get does not know this cgi_path (a bug in TCB Links).</source>
        <translation>quota/get 不认识此 cgi_path（TCB Links 的缺陷）。</translation>
    </message>
    <message>
        <source>quota/get found the cgi_path malformed (a bug in TCB Links).</source>
        <translation>quota/get 认为此 cgi_path 格式有误（TCB Links 的缺陷）。</translation>
    </message>
    <message>
        <source>{words} A component_access_token works only with componenttcb/…; a mini program&apos;s access_token or an authorizer_access_token with tcb/….</source>
        <translation>{words} component_access_token 只能用于 componenttcb/…；小程序的 access_token 或 authorizer_access_token 用于 tcb/…。</translation>
    </message>
    <message>
        <source>A profile needs a name.</source>
        <translation>配置需要名称。</translation>
    </message>
    <message>
        <source>A profile name may have at most {limit} characters.</source>
        <translation>配置名称最多 {limit} 个字符。</translation>
    </message>
    <message>
        <source>Invalid profile name {name!r}: use letters, digits, spaces and . _ @ -, starting with a letter or digit.</source>
        <translation>配置名称 {name!r} 无效：只能使用字母、数字、空格和 . _ @ -，并以字母或数字开头。</translation>
    </message>
    <message>
        <source>The service address (base URL) must be text.</source>
        <translation>服务地址必须是文本。</translation>
    </message>
    <message>
        <source>The AppID must be text.</source>
        <translation>AppID 必须是文本。</translation>
    </message>
    <message>
        <source>That is not a mini program AppID: it is wx followed by 16 letters a-f and digits, e.g. wx1234567890abcdef (WeChat MP console, 开发管理 → 开发设置).</source>
        <translation>这不是小程序的 AppID：它以 wx 开头，后接 16 位 a-f 字母和数字，例如 wx1234567890abcdef（见微信公众平台：开发管理 → 开发设置）。</translation>
    </message>
    <message>
        <source>A mini program (appid + appsecret) profile needs the mini program&apos;s AppID.</source>
        <translation>小程序（AppID + AppSecret）配置需要小程序的 AppID。</translation>
    </message>
    <message>
        <source>The API mode must be one of: {modes}.</source>
        <translation>接口类型必须是以下之一：{modes}。</translation>
    </message>
    <message>
        <source>{what} must be a whole number from {low} to {high}.</source>
        <translation>{what}必须是 {low} 到 {high} 之间的整数。</translation>
    </message>
    <message>
        <source>{what} must be one of: {choices}.</source>
        <translation>{what}必须是以下之一：{choices}。</translation>
    </message>
    <message>
        <source>How the profile gets its token (auth)</source>
        <translation>配置获取令牌的方式</translation>
    </message>
    <message>
        <source>Link lifetime (max age)</source>
        <translation>链接有效期</translation>
    </message>
    <message>
        <source>Concurrency</source>
        <translation>并发数</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Download layout</source>
        <translation>下载目录结构</translation>
    </message>
    <message>
        <source>When a file exists</source>
        <translation>文件已存在时的处理方式</translation>
    </message>
    <message>
        <source>Download concurrency</source>
        <translation>下载并发数</translation>
    </message>
    <message>
        <source>Export format</source>
        <translation>导出格式</translation>
    </message>
    <message>
        <source>UTF-8 BOM in exports</source>
        <translation>导出时加 UTF-8 BOM</translation>
    </message>
    <message>
        <source>Details pane</source>
        <translation>详情面板</translation>
    </message>
    <message>
        <source>Hidden columns</source>
        <translation>隐藏的列</translation>
    </message>
    <message>
        <source>{what} must be true or false.</source>
        <translation>{what} 必须是 true 或 false。</translation>
    </message>
    <message>
        <source>History size</source>
        <translation>历史记录数量</translation>
    </message>
    <message>
        <source>The window geometry is not valid.</source>
        <translation>窗口位置和大小的数据无效。</translation>
    </message>
    <message>
        <source>The window geometry is not valid base64.</source>
        <translation>窗口位置和大小的数据不是有效的 base64。</translation>
    </message>
    <message>
        <source>The download folder is not a valid path.</source>
        <translation>下载文件夹不是有效的路径。</translation>
    </message>
    <message>
        <source>token_saved_at must be a unix time or None.</source>
        <translation>token_saved_at 必须是 Unix 时间戳或 None。</translation>
    </message>
    <message>
        <source>The settings must hold a {name!r} profile.</source>
        <translation>设置中必须包含 {name!r} 配置。</translation>
    </message>
    <message>
        <source>Profile {name!r} is stored under the wrong name.</source>
        <translation>配置 {name!r} 保存在了错误的名称下。</translation>
    </message>
    <message>
        <source>There is no profile named {name!r}.</source>
        <translation>没有名为 {name!r} 的配置。</translation>
    </message>
    <message>
        <source>Not a profile.</source>
        <translation>不是配置。</translation>
    </message>
    <message>
        <source>The default profile cannot be removed.</source>
        <translation>默认配置不能删除。</translation>
    </message>
    <message>
        <source>Refusing to write secret-like fields to the settings file: {fields}</source>
        <translation>拒绝将疑似机密的字段写入设置文件：{fields}</translation>
    </message>
    <message>
        <source>A mini program (appid + appsecret) profile gets a mini program access_token, which works with the tcb API only: set the API mode to tcb.</source>
        <translation>小程序（AppID + AppSecret）配置获取的是小程序的 access_token，只能用于 tcb 接口：请将接口类型设为 tcb。</translation>
    </message>
    <message>
        <source>That list is no longer in the history.</source>
        <translation>历史记录中已没有该列表。</translation>
    </message>
    <message>
        <source>That is not a history entry.</source>
        <translation>这不是历史记录条目。</translation>
    </message>
    <message>
        <source>History size must be a whole number from 0 to {high}.</source>
        <translation>历史记录数量必须是 0 到 {high} 之间的整数。</translation>
    </message>
    <message>
        <source>That list in the history cannot be read.</source>
        <translation>无法读取历史记录中的该列表。</translation>
    </message>
    <message>
        <source>No system keyring is available (macOS Keychain, Windows Credential Locker, or a Secret Service such as GNOME Keyring or KWallet), so the token was not saved: it is kept for this session only.</source>
        <translation>没有可用的系统密钥环（macOS 钥匙串、Windows 凭据管理器，或 GNOME Keyring、KWallet 等 Secret Service），因此令牌未保存：它仅在本次会话中保留。</translation>
    </message>
    <message>
        <source>The system keyring could not save the token (it may be locked, or its service is not running). The token is kept for this session only; unlock the keyring and save it again to keep it.</source>
        <translation>系统密钥环无法保存令牌（可能已锁定，或其服务未运行）。令牌仅在本次会话中保留；解锁密钥环后重新保存即可长期保留。</translation>
    </message>
    <message>
        <source>The system keyring could not be read (it may be locked, or its service is not running). Unlock it and try again, or paste the token for this session.</source>
        <translation>无法读取系统密钥环（可能已锁定，或其服务未运行）。请解锁后重试，或为本次会话粘贴令牌。</translation>
    </message>
    <message>
        <source>The system keyring could not remove the saved token (it may be locked, or its service is not running). Unlock it and try again.</source>
        <translation>系统密钥环无法删除已保存的令牌（可能已锁定，或其服务未运行）。请解锁后重试。</translation>
    </message>
    <message>
        <source>No system keyring is available (macOS Keychain, Windows Credential Locker, or a Secret Service such as GNOME Keyring or KWallet), so the AppSecret was not saved: it is kept for this session only.</source>
        <translation>没有可用的系统密钥环（macOS 钥匙串、Windows 凭据管理器，或 GNOME Keyring、KWallet 等 Secret Service），因此 AppSecret 未保存：它仅在本次会话中保留。</translation>
    </message>
    <message>
        <source>The system keyring could not save the AppSecret (it may be locked, or its service is not running). It is kept for this session only; unlock the keyring and save it again to keep it.</source>
        <translation>系统密钥环无法保存 AppSecret（可能已锁定，或其服务未运行）。AppSecret 仅在本次会话中保留；解锁密钥环后重新保存即可长期保留。</translation>
    </message>
    <message>
        <source>The system keyring could not be read (it may be locked, or its service is not running). Unlock it and try again, or enter the AppSecret for this session.</source>
        <translation>无法读取系统密钥环（可能已锁定，或其服务未运行）。请解锁后重试，或为本次会话输入 AppSecret。</translation>
    </message>
    <message>
        <source>The system keyring could not remove the saved AppSecret (it may be locked, or its service is not running). Unlock it and try again.</source>
        <translation>系统密钥环无法删除已保存的 AppSecret（可能已锁定，或其服务未运行）。请解锁后重试。</translation>
    </message>
    <message>
        <source>The keyring service name is empty.</source>
        <translation>密钥环服务名称为空。</translation>
    </message>
    <message>
        <source>The token must be text.</source>
        <translation>令牌必须是文本。</translation>
    </message>
    <message>
        <source>The token is empty. Paste the access token and try again.</source>
        <translation>令牌为空。请粘贴 access_token 后重试。</translation>
    </message>
    <message>
        <source>That is too long for an access token ({length} characters). Paste only the token.</source>
        <translation>内容过长，不是 access_token（{length} 个字符）。请只粘贴令牌。</translation>
    </message>
    <message>
        <source>The token holds spaces, line breaks or control characters. Paste only the token.</source>
        <translation>令牌中含有空格、换行或控制字符。请只粘贴令牌。</translation>
    </message>
    <message>
        <source>The AppSecret must be text.</source>
        <translation>AppSecret 必须是文本。</translation>
    </message>
    <message>
        <source>The AppSecret is empty. Paste the mini program&apos;s AppSecret.</source>
        <translation>AppSecret 为空。请粘贴小程序的 AppSecret。</translation>
    </message>
    <message>
        <source>That is not a mini program AppSecret: it is 32 letters a-f and digits (WeChat MP console, 开发管理 → 开发设置 → AppSecret). Paste only the AppSecret.</source>
        <translation>这不是小程序的 AppSecret：它由 32 位 a-f 字母和数字组成（见微信公众平台：开发管理 → 开发设置 → AppSecret）。请只粘贴 AppSecret。</translation>
    </message>
    <message>
        <source>No AppSecret is set for this mini program profile. Save it (tcb-gui token set --appsecret reads it from stdin) or set the TCB_APP_SECRET variable.</source>
        <translation>此小程序配置尚未设置 AppSecret。请保存 AppSecret（命令 tcb-gui token set --appsecret 从标准输入读取），或设置环境变量 TCB_APP_SECRET。</translation>
    </message>
    <message>
        <source>The AppID and AppSecret work: WeChat gave an access token for the tcb API.</source>
        <translation>AppID 和 AppSecret 可用：微信已发放用于 tcb 接口的 access_token。</translation>
    </message>
    <message>
        <source>Could not get an access token from WeChat: {problem}; gave up after {tries} tries. Check the network and the base URL.</source>
        <translation>无法从微信获取 access_token：{problem}；尝试 {tries} 次后放弃。请检查网络和服务地址。</translation>
    </message>
    <message>
        <source>The token service sent an answer with an unreadable error code</source>
        <translation>令牌服务应答中的错误码无法读取</translation>
    </message>
    <message>
        <source>The token service sent an answer without a usable token</source>
        <translation>令牌服务的应答中没有可用的令牌</translation>
    </message>
    <message>
        <source>The token service answered HTTP {status}</source>
        <translation>令牌服务返回 HTTP {status}</translation>
    </message>
    <message>
        <source>The token service answered HTTP {status}. Check the base URL.</source>
        <translation>令牌服务返回 HTTP {status}。请检查服务地址。</translation>
    </message>
    <message>
        <source>The token service sent an unreadable (non-JSON or cut) answer</source>
        <translation>令牌服务的应答无法读取（不是 JSON 或被截断）</translation>
    </message>
</context>
<context>
    <name>CrashReporter</name>
    <message>
        <source>TCB Links hit an unexpected error. A report was saved to {path}; nothing you resolved was lost.</source>
        <translation>TCB Links 遇到意外错误。错误报告已保存到 {path}；已解析的结果不会丢失。</translation>
    </message>
    <message>
        <source>Open report</source>
        <translation>打开报告</translation>
    </message>
    <message>
        <source>Show folder</source>
        <translation>显示文件夹</translation>
    </message>
    <message>
        <source>TCB Links hit an unexpected error ({error}). The report could not be saved ({reason}); nothing you resolved was lost.</source>
        <translation>TCB Links 遇到意外错误（{error}）。错误报告未能保存（{reason}）；已解析的结果不会丢失。</translation>
    </message>
</context>
<context>
    <name>DoctorDialog</name>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Clock</source>
        <translation>时钟</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>API mode</source>
        <translation>接口类型</translation>
    </message>
    <message>
        <source>IP allowlist</source>
        <translation>IP 白名单</translation>
    </message>
    <message>
        <source>Quota today</source>
        <translation>今日额度</translation>
    </message>
    <message>
        <source>Keyring</source>
        <translation>密钥环</translation>
    </message>
    <message>
        <source>component</source>
        <translation>第三方平台</translation>
    </message>
    <message>
        <source>tcb</source>
        <translation>小程序</translation>
    </message>
    <message>
        <source>Check connection</source>
        <translation>检查连接</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>The lines as text, for a support request (no secret)</source>
        <translation>以文本形式复制各行，用于寻求支持（不含任何密钥）</translation>
    </message>
    <message>
        <source>Service notes</source>
        <translation>服务说明</translation>
    </message>
    <message>
        <source>The project&apos;s notes on the service, at the first check that needs a look</source>
        <translation>本项目对该服务的说明，定位到第一项需要留意的检查</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>The check itself failed: {error}</source>
        <translation>检查过程本身出错：{error}</translation>
    </message>
    <message>
        <source>See {link}.</source>
        <translation>参见 {link}。</translation>
    </message>
    <message>
        <source>Checking profile {profile!r}: API mode {api} ({path}), mini program {appid}, {url}</source>
        <translation>正在检查配置 {profile!r}：接口类型 {api}（{path}），小程序 {appid}，{url}</translation>
    </message>
    <message>
        <source>Checking profile {profile!r}: API mode {api} ({path}), {url}</source>
        <translation>正在检查配置 {profile!r}：接口类型 {api}（{path}），{url}</translation>
    </message>
    <message>
        <source>{mark} {name}: {detail}</source>
        <translation>{mark} {name}：{detail}</translation>
    </message>
    <message>
        <source>Ready to resolve. 1 warning above.</source>
        <translation>可以开始解析。上方有 1 条警告。</translation>
    </message>
    <message>
        <source>Ready to resolve. {n} warnings above.</source>
        <translation>可以开始解析。上方有 {n} 条警告。</translation>
    </message>
    <message>
        <source>Ready to resolve.</source>
        <translation>可以开始解析。</translation>
    </message>
    <message>
        <source>Not ready to resolve: fix the ✗ lines above, then run the check again.</source>
        <translation>尚不能解析：请先解决上方标有 ✗ 的问题，然后重新检查。</translation>
    </message>
    <message>
        <source>{summary} ({failed})</source>
        <translation>{summary}（{failed}）</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>DownloadChoices</name>
    <message>
        <source>Download &amp;folder</source>
        <translation>下载文件夹(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Layout</source>
        <translation>目录结构(&amp;L)</translation>
    </message>
    <message>
        <source>Keep the cloud folders: &lt;folder&gt;/&lt;env&gt;/&lt;path&gt;</source>
        <translation>保留云端目录：&lt;文件夹&gt;/&lt;环境 ID&gt;/&lt;路径&gt;</translation>
    </message>
    <message>
        <source>Every file directly in the folder</source>
        <translation>所有文件直接放在该文件夹中</translation>
    </message>
    <message>
        <source>If a file &amp;exists</source>
        <translation>文件已存在时(&amp;E)</translation>
    </message>
    <message>
        <source>Skip complete files; save different ones beside them</source>
        <translation>跳过已完整的文件；内容不同的另存一份</translation>
    </message>
    <message>
        <source>Save under a new name: name (1).ext</source>
        <translation>以新名称保存，如 a (1).png</translation>
    </message>
    <message>
        <source>Overwrite: replace existing files (destructive)</source>
        <translation>覆盖：替换已有文件（无法恢复）</translation>
    </message>
    <message>
        <source>Files at &amp;once</source>
        <translation>同时下载(&amp;O)</translation>
    </message>
    <message>
        <source>How many files download side by side ({low}–{high})</source>
        <translation>同时下载的文件数（{low}–{high}）</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
</context>
<context>
    <name>DownloadController</name>
    <message>
        <source>A download is about to start: answer its question first.</source>
        <translation>下载即将开始：请先回答它的询问。</translation>
    </message>
    <message>
        <source>A download is running: pause or cancel it first.</source>
        <translation>正在下载：请先暂停或取消。</translation>
    </message>
    <message>
        <source>Nothing to download: the service said none of these files exist or may be read.</source>
        <translation>没有可下载的文件：服务表示这些文件均不存在或无权读取。</translation>
    </message>
    <message>
        <source>Nothing to download yet: add IDs first.</source>
        <translation>暂无可下载的文件：请先添加 ID。</translation>
    </message>
    <message>
        <source>Downloads paused: {reason} 1 file is waiting; finished files are kept.</source>
        <translation>下载已暂停：{reason} 1 个文件正在等待；已完成的文件会保留。</translation>
    </message>
    <message>
        <source>Downloads paused: {reason} {n} files are waiting; finished files are kept.</source>
        <translation>下载已暂停：{reason} {n} 个文件正在等待；已完成的文件会保留。</translation>
    </message>
    <message>
        <source>Set token…</source>
        <translation>设置令牌…</translation>
    </message>
    <message>
        <source>Resume downloads</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Nothing is left to download.</source>
        <translation>没有剩余需要下载的文件。</translation>
    </message>
    <message>
        <source>No failed downloads to retry.</source>
        <translation>没有需要重试的失败下载。</translation>
    </message>
    <message>
        <source>No failed downloads worth retrying: the service gave those files its last word (not found, no permission, or an environment it does not know). Retry download in the row&apos;s menu asks anyway.</source>
        <translation>没有值得重试的下载失败项：服务已对这些文件给出最终答复（文件不存在、无权限，或不认识该环境 ID）。如仍要下载，请使用行菜单中的“重试下载”。</translation>
    </message>
    <message>
        <source>No downloads are waiting.</source>
        <translation>没有等待中的下载。</translation>
    </message>
    <message>
        <source>A download to {folder} did not finish: 1 file is left ({done} complete). Resume goes on from the partial files.</source>
        <translation>下载到 {folder} 的任务未完成：还剩 1 个文件（已完成 {done} 个）。点击“继续”将从已下载的部分接着下载。</translation>
    </message>
    <message>
        <source>A download to {folder} did not finish: {n} files are left ({done} complete). Resume goes on from the partial files.</source>
        <translation>下载到 {folder} 的任务未完成：还剩 {n} 个文件（已完成 {done} 个）。点击“继续”将从已下载的部分接着下载。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>The unfinished download list was discarded.</source>
        <translation>已放弃未完成的下载列表。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist.</source>
        <translation>文件夹 {path} 不存在。</translation>
    </message>
    <message>
        <source>No file manager could open {path}.</source>
        <translation>没有文件管理器能打开 {path}。</translation>
    </message>
    <message>
        <source>Download…</source>
        <translation>下载…</translation>
    </message>
    <message>
        <source>Retry download</source>
        <translation>重试下载</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <source>Download files</source>
        <translation>下载文件</translation>
    </message>
    <message>
        <source>Files are saved inside this folder</source>
        <translation>文件保存在此文件夹中</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Existing files with the same names will be replaced, and what they held is lost. Choose Skip to keep them.</source>
        <translation>同名的已有文件将被替换，原有内容会丢失。如需保留，请选择“跳过”。</translation>
    </message>
    <message>
        <source>Limit the speed to</source>
        <translation>限速</translation>
    </message>
    <message>
        <source>Bytes per second over all files, e.g. 500K or 2M (K, M and G are 1024-based)</source>
        <translation>所有文件合计每秒字节数，如 500K 或 2M（K、M、G 按 1024 进位）</translation>
    </message>
    <message>
        <source>per second</source>
        <translation>每秒</translation>
    </message>
    <message>
        <source>Partial files end in .part and resume where they stopped, even after the app was closed.</source>
        <translation>未下载完的文件以 .part 结尾，即使关闭了应用，也能从中断处继续下载。</translation>
    </message>
    <message>
        <source>1 row is left out: the service said its file does not exist, may not be read, or is in an environment this account does not have.</source>
        <translation>有 1 行未包含在内：服务表示该文件不存在、无权读取，或所在环境不属于此账号。</translation>
    </message>
    <message>
        <source>{n} rows are left out: the service said their files do not exist, may not be read, or are in an environment this account does not have.</source>
        <translation>有 {n} 行未包含在内：服务表示这些文件不存在、无权读取，或所在环境不属于此账号。</translation>
    </message>
    <message>
        <source>Download:</source>
        <translation>下载：</translation>
    </message>
    <message>
        <source>&amp;All 1 row that has or can get a link</source>
        <translation>全部 1 行有或可获取临时下载链接的文件(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;All {n} rows that have or can get a link</source>
        <translation>全部 {n} 行有或可获取临时下载链接的文件(&amp;A)</translation>
    </message>
    <message>
        <source>The 1 &amp;selected row</source>
        <translation>选中的 1 行(&amp;S)</translation>
    </message>
    <message>
        <source>The {n} &amp;selected rows</source>
        <translation>选中的 {n} 行(&amp;S)</translation>
    </message>
    <message>
        <source>The &amp;selected rows (none selected)</source>
        <translation>选中的行（未选中任何行）(&amp;S)</translation>
    </message>
    <message>
        <source>The 1 row s&amp;hown that has or can get a link</source>
        <translation>显示的 1 行有或可获取临时下载链接的文件(&amp;H)</translation>
    </message>
    <message>
        <source>The {n} rows s&amp;hown that have or can get a link</source>
        <translation>显示的 {n} 行有或可获取临时下载链接的文件(&amp;H)</translation>
    </message>
    <message>
        <source>Download 1 file</source>
        <translation>下载 1 个文件</translation>
    </message>
    <message>
        <source>Download {n} files</source>
        <translation>下载 {n} 个文件</translation>
    </message>
    <message>
        <source>Choose the download folder</source>
        <translation>选择下载文件夹</translation>
    </message>
    <message>
        <source>Choose a folder to save the files in.</source>
        <translation>请选择保存文件的文件夹。</translation>
    </message>
    <message>
        <source>Give the folder as a full path, e.g. {example}.</source>
        <translation>请填写文件夹的完整路径，例如 {example}。</translation>
    </message>
    <message>
        <source>{path} is a file, not a folder.</source>
        <translation>{path} 是文件，不是文件夹。</translation>
    </message>
    <message>
        <source>Cannot read the speed limit “{text}”: use bytes per second, optionally with K, M or G, e.g. 500K or 2M.</source>
        <translation>无法识别限速“{text}”：请填写每秒字节数，可带 K、M 或 G，如 500K 或 2M。</translation>
    </message>
</context>
<context>
    <name>DownloadsPanel</name>
    <message>
        <source>Download progress</source>
        <translation>下载进度</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Downloading 1 file to {folder}</source>
        <translation>正在下载 1 个文件到 {folder}</translation>
    </message>
    <message>
        <source>Downloading {n} files to {folder}</source>
        <translation>正在下载 {n} 个文件到 {folder}</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>Pause the downloads; partial files are kept (Ctrl+P)</source>
        <translation>暂停下载；已下载的部分会保留（Ctrl+P）</translation>
    </message>
    <message>
        <source>Stop the downloads; finished files stay, partial files resume next time (Shift+Esc)</source>
        <translation>停止下载；已完成的文件保留，未完成的部分下次接着下载（Shift+Esc）</translation>
    </message>
    <message>
        <source>Show failed</source>
        <translation>显示失败项</translation>
    </message>
    <message>
        <source>Show only the rows whose download failed</source>
        <translation>只显示下载失败的行</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>重试失败项</translation>
    </message>
    <message>
        <source>Download the failed files again, into the same folder (Ctrl+Shift+D)</source>
        <translation>将下载失败的文件重新下载到同一文件夹（Ctrl+Shift+D）</translation>
    </message>
    <message>
        <source>Download the rest</source>
        <translation>下载剩余文件</translation>
    </message>
    <message>
        <source>{done} of {total} files</source>
        <translation>{done}/{total} 个文件</translation>
    </message>
    <message>
        <source>{done} of about {total}</source>
        <translation>{done}/约 {total}</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>{done} so far</source>
        <translation>已下载 {done}</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>{size}/s</source>
        <translation>{size}/s</translation>
    </message>
    <message>
        <source>{time} left</source>
        <translation>剩余 {time}</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} 个失败</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Stopped, the disk is full: {saved} of 1 file saved</source>
        <translation>已停止，磁盘已满：已保存 {saved}/1 个文件</translation>
    </message>
    <message>
        <source>Stopped, the disk is full: {saved} of {n} files saved</source>
        <translation>已停止，磁盘已满：已保存 {saved}/{n} 个文件</translation>
    </message>
    <message>
        <source>Stopped: {saved} of 1 file saved</source>
        <translation>已停止：已保存 {saved}/1 个文件</translation>
    </message>
    <message>
        <source>Stopped: {saved} of {n} files saved</source>
        <translation>已停止：已保存 {saved}/{n} 个文件</translation>
    </message>
    <message>
        <source>{n} files failed: {reason}</source>
        <translation>{n} 个文件下载失败：{reason}</translation>
    </message>
    <message>
        <source>The service gave the failed files its last word: Retry download in a row&apos;s menu asks anyway</source>
        <translation>服务已对这些下载失败的文件给出最终答复；如仍要下载，请使用行菜单中的“重试下载”</translation>
    </message>
    <message>
        <source>Go on with the 1 file not finished yet, into the same folder</source>
        <translation>将尚未完成的 1 个文件继续下载到同一文件夹</translation>
    </message>
    <message>
        <source>Go on with the {n} files not finished yet, into the same folder</source>
        <translation>将尚未完成的 {n} 个文件继续下载到同一文件夹</translation>
    </message>
    <message>
        <source>1 failed file left out of Retry failed: the service gave it its last word (not found, no permission, or an unknown environment)</source>
        <translation>1 个下载失败的文件不在“重试失败项”之列：服务已对它给出最终答复（文件不存在、无权限，或环境 ID 未知）</translation>
    </message>
    <message>
        <source>{n} failed files left out of Retry failed: the service gave them its last word (not found, no permission, or an unknown environment)</source>
        <translation>{n} 个下载失败的文件不在“重试失败项”之列：服务已对它们给出最终答复（文件不存在、无权限，或环境 ID 未知）</translation>
    </message>
    <message>
        <source>1 damaged copy replaced</source>
        <translation>已替换 1 个损坏的副本</translation>
    </message>
    <message>
        <source>{n} damaged copies replaced</source>
        <translation>已替换 {n} 个损坏的副本</translation>
    </message>
    <message>
        <source>1 file not finished (Download the rest resumes it)</source>
        <translation>1 个文件未完成（“下载剩余文件”可接着下载）</translation>
    </message>
    <message>
        <source>{n} files not finished (Download the rest resumes them)</source>
        <translation>{n} 个文件未完成（“下载剩余文件”可接着下载）</translation>
    </message>
    <message>
        <source>1 file not finished, no longer in the list</source>
        <translation>1 个文件未完成，已不在列表中</translation>
    </message>
    <message>
        <source>{n} files not finished, no longer in the list</source>
        <translation>{n} 个文件未完成，已不在列表中</translation>
    </message>
    <message>
        <source>Folder: {folder}</source>
        <translation>文件夹：{folder}</translation>
    </message>
    <message>
        <source>Saved in {folder}</source>
        <translation>保存在 {folder}</translation>
    </message>
    <message>
        <source>1 file waits for a valid token</source>
        <translation>1 个文件等待有效令牌</translation>
    </message>
    <message>
        <source>Go on with the downloads (Ctrl+P)</source>
        <translation>继续下载（Ctrl+P）</translation>
    </message>
    <message>
        <source>Paused: {done} of 1 file saved in {folder}</source>
        <translation>已暂停：{folder} 中已保存 {done}/1 个文件</translation>
    </message>
    <message>
        <source>Paused: {done} of {n} files saved in {folder}</source>
        <translation>已暂停：{folder} 中已保存 {done}/{n} 个文件</translation>
    </message>
    <message>
        <source>Paused for a valid token: {saved} of 1 file saved</source>
        <translation>等待有效令牌，已暂停：已保存 {saved}/1 个文件</translation>
    </message>
    <message>
        <source>Paused for a valid token: {saved} of {n} files saved</source>
        <translation>等待有效令牌，已暂停：已保存 {saved}/{n} 个文件</translation>
    </message>
    <message>
        <source>Cancelled: {saved} of 1 file saved</source>
        <translation>已取消：已保存 {saved}/1 个文件</translation>
    </message>
    <message>
        <source>Cancelled: {saved} of {n} files saved</source>
        <translation>已取消：已保存 {saved}/{n} 个文件</translation>
    </message>
    <message>
        <source>{text} ({size})</source>
        <translation>{text}（{size}）</translation>
    </message>
    <message>
        <source>Finished: 1 file downloaded ({size})</source>
        <translation>已完成：下载了 1 个文件（{size}）</translation>
    </message>
    <message>
        <source>Finished: {n} files downloaded ({size})</source>
        <translation>已完成：下载了 {n} 个文件（{size}）</translation>
    </message>
    <message>
        <source>Finished: nothing new downloaded</source>
        <translation>已完成：没有需要新下载的文件</translation>
    </message>
    <message>
        <source>{n} already there</source>
        <translation>{n} 个此前已存在</translation>
    </message>
    <message>
        <source>{text}; {extras}</source>
        <translation>{text}；{extras}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>Failed: {file} — {reason}</source>
        <translation>失败：{file} — {reason}</translation>
    </message>
    <message>
        <source>1 file failed: Show failed lists it with its reason.</source>
        <translation>1 个文件下载失败：点击“显示失败项”查看原因。</translation>
    </message>
    <message>
        <source>{n} files failed: Show failed lists them with their reasons.</source>
        <translation>{n} 个文件下载失败：点击“显示失败项”查看各自原因。</translation>
    </message>
    <message>
        <source>Nothing of this run is left to download</source>
        <translation>本次下载没有剩余需要下载的文件</translation>
    </message>
    <message>
        <source>{n} files wait for a valid token</source>
        <translation>{n} 个文件等待有效令牌</translation>
    </message>
</context>
<context>
    <name>DropOverlay</name>
    <message>
        <source>Drop to add IDs</source>
        <translation>松开以添加 ID</translation>
    </message>
    <message>
        <source>Files (txt, csv, tsv, json, log) or text with cloud:// IDs</source>
        <translation>文件（txt、csv、tsv、json、log）或含 cloud:// ID 的文本</translation>
    </message>
</context>
<context>
    <name>DurationSpinBox</name>
    <message>
        <source>How long each link works: 1 s to 1 day (type e.g. “2 h” or “90 min”)</source>
        <translation>每个临时下载链接的有效期：1 秒至 1 天（可输入如“2 小时”或“90 分钟”）</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Export 1 row (its ID, status, link and expiry).</source>
        <translation>导出 1 行（云文件 ID、状态、临时下载链接和有效期）。</translation>
    </message>
    <message>
        <source>Export {n} rows (their IDs, statuses, links and expiry times).</source>
        <translation>导出 {n} 行（云文件 ID、状态、临时下载链接和有效期）。</translation>
    </message>
    <message>
        <source>&amp;Format</source>
        <translation>格式(&amp;F)</translation>
    </message>
    <message>
        <source>The extension picks the format: .csv, .json, .tsv, .txt …</source>
        <translation>扩展名决定格式：.csv、.json、.tsv、.txt…</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>F&amp;ile</source>
        <translation>文件(&amp;I)</translation>
    </message>
    <message>
        <source>UTF-8 with &amp;BOM, for Excel</source>
        <translation>带 BOM 的 UTF-8，适用于 Excel(&amp;B)</translation>
    </message>
    <message>
        <source>Excel on Windows reads a CSV without a BOM in the system&apos;s code page and garbles Chinese file names; with it, Excel reads UTF-8.</source>
        <translation>Windows 上的 Excel 会按系统代码页读取不带 BOM 的 CSV，导致中文文件名乱码；带上 BOM，Excel 就会按 UTF-8 读取。</translation>
    </message>
    <message>
        <source>&amp;All 1 row</source>
        <translation>全部 1 行(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;All {n} rows</source>
        <translation>全部 {n} 行(&amp;A)</translation>
    </message>
    <message>
        <source>The 1 row s&amp;hown (the filter hides the others)</source>
        <translation>显示的 1 行（其余行已被筛选隐藏）(&amp;H)</translation>
    </message>
    <message>
        <source>The {n} rows s&amp;hown (the filter hides the others)</source>
        <translation>显示的 {n} 行（其余行已被筛选隐藏）(&amp;H)</translation>
    </message>
    <message>
        <source>The 1 s&amp;elected row</source>
        <translation>选中的 1 行(&amp;E)</translation>
    </message>
    <message>
        <source>The {n} s&amp;elected rows</source>
        <translation>选中的 {n} 行(&amp;E)</translation>
    </message>
    <message>
        <source>CSV, for spreadsheets (.csv)</source>
        <translation>CSV，用于电子表格（.csv）</translation>
    </message>
    <message>
        <source>JSON (.json)</source>
        <translation>JSON（.json）</translation>
    </message>
    <message>
        <source>Tab-separated (.tsv)</source>
        <translation>制表符分隔（.tsv）</translation>
    </message>
    <message>
        <source>Ready links only, one per line (.txt)</source>
        <translation>只含可用链接，每行一个（.txt）</translation>
    </message>
    <message>
        <source>aria2 input file: aria2c -i FILE (.aria2)</source>
        <translation>aria2 输入文件：aria2c -i FILE（.aria2）</translation>
    </message>
    <message>
        <source>curl config: curl -K FILE (.curl)</source>
        <translation>curl 配置文件：curl -K FILE（.curl）</translation>
    </message>
    <message>
        <source>Only rows with a ready link are written. Links stop working when they expire; the file notes when.</source>
        <translation>只写入有可用链接的行。链接过期后即失效；文件中注明了过期时间。</translation>
    </message>
    <message>
        <source>Only rows with a ready link are written. Links stop working when they expire (see Expires in).</source>
        <translation>只写入有可用链接的行。链接过期后即失效（见“剩余有效期”）。</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <source>{name} already exists. Replace it?</source>
        <translation>{name} 已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>&amp;Replace</source>
        <translation>替换(&amp;R)</translation>
    </message>
</context>
<context>
    <name>Formatting</name>
    <message>
        <source>{n} d</source>
        <translation>{n} 天</translation>
    </message>
    <message>
        <source>{n} h</source>
        <translation>{n} 小时</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分钟</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n} 秒</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>{h} h {m:02d} min</source>
        <translation>{h} 小时 {m:02d} 分</translation>
    </message>
    <message>
        <source>{m} min {s:02d} s</source>
        <translation>{m} 分 {s:02d} 秒</translation>
    </message>
    <message>
        <source>a few seconds</source>
        <translation>几秒</translation>
    </message>
</context>
<context>
    <name>HistoryController</name>
    <message>
        <source>Hi&amp;story</source>
        <translation>历史(&amp;S)</translation>
    </message>
    <message>
        <source>Could not save the list in the history: {reason}</source>
        <translation>无法将列表保存到历史记录：{reason}</translation>
    </message>
    <message>
        <source>Restored the last list: 1 ID</source>
        <translation>已恢复上次的列表：1 个 ID</translation>
    </message>
    <message>
        <source>Restored the last list: {n} IDs</source>
        <translation>已恢复上次的列表：{n} 个 ID</translation>
    </message>
    <message>
        <source>{n} links expired (Refresh expired renews them)</source>
        <translation>{n} 个链接已过期（可用“刷新过期链接”重新获取）</translation>
    </message>
    <message>
        <source>{n} rows of the saved list could not be read and were left out.</source>
        <translation>保存的列表中有 {n} 行无法读取，已略过。</translation>
    </message>
    <message>
        <source>d MMM HH:mm</source>
        <comment>QDateTime format of the History menu&apos;s dates</comment>
        <translation>M月d日 HH:mm</translation>
    </message>
    <message>
        <source>1 ID</source>
        <translation>1 个 ID</translation>
    </message>
    <message>
        <source>{n} IDs</source>
        <translation>{n} 个 ID</translation>
    </message>
    <message>
        <source>{n} with links</source>
        <translation>{n} 个有链接</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} 个失败</translation>
    </message>
    <message>
        <source>Opened {list}</source>
        <translation>已打开 {list}</translation>
    </message>
    <message>
        <source>{n} ready</source>
        <translation>{n} 个可用</translation>
    </message>
    <message>
        <source>{n} not resolved</source>
        <translation>{n} 个未解析</translation>
    </message>
    <message>
        <source>{count}: {outcome}</source>
        <translation>{count}：{outcome}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>{outcome} · {when}</source>
        <translation>{outcome} · {when}</translation>
    </message>
    <message>
        <source>{name} — {rest}</source>
        <translation>{name} — {rest}</translation>
    </message>
    <message>
        <source>profile “{name}”</source>
        <translation>配置“{name}”</translation>
    </message>
    <message>
        <source>Lists of the demo are not kept</source>
        <translation>演示中的列表不会保存</translation>
    </message>
    <message>
        <source>No lists are kept (Settings ▸ Downloads &amp;&amp; history ▸ Recent lists kept)</source>
        <translation>不保存列表（设置 ▸ 下载与历史 ▸ 保留最近列表数）</translation>
    </message>
    <message>
        <source>No saved lists yet</source>
        <translation>尚无保存的列表</translation>
    </message>
</context>
<context>
    <name>IdsPresenter</name>
    <message>
        <source>Cannot read {name}: {reason}</source>
        <translation>无法读取 {name}：{reason}</translation>
    </message>
    <message>
        <source>1 duplicate</source>
        <translation>1 个重复</translation>
    </message>
    <message>
        <source>{n} duplicates</source>
        <translation>{n} 个重复</translation>
    </message>
    <message>
        <source>1 line without an ID</source>
        <translation>1 行无 ID</translation>
    </message>
    <message>
        <source>{n} lines without an ID</source>
        <translation>{n} 行无 ID</translation>
    </message>
    <message>
        <source>1 malformed ID</source>
        <translation>1 个格式错误的 ID</translation>
    </message>
    <message>
        <source>{n} malformed IDs</source>
        <translation>{n} 个格式错误的 ID</translation>
    </message>
    <message>
        <source>Added 1 ID</source>
        <translation>已添加 1 个 ID</translation>
    </message>
    <message>
        <source>Added {n} IDs</source>
        <translation>已添加 {n} 个 ID</translation>
    </message>
    <message>
        <source>{added} ({details})</source>
        <translation>{added}（{details}）</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>{summary} from {source}</source>
        <translation>{summary}，来源：{source}</translation>
    </message>
    <message>
        <source>No cloud:// IDs found in {source}. An ID looks like cloud://env-id.bucket/path/file.png</source>
        <translation>未找到 cloud:// ID（来源：{source}）。ID 形如 cloud://env-id.bucket/path/file.png</translation>
    </message>
    <message>
        <source>No cloud:// IDs found. An ID looks like cloud://env-id.bucket/path/file.png</source>
        <translation>未找到 cloud:// ID。ID 形如 cloud://env-id.bucket/path/file.png</translation>
    </message>
    <message>
        <source>Found 1 cloud:// ID, but it is not valid:</source>
        <translation>找到 1 个 cloud:// ID，但它无效：</translation>
    </message>
    <message>
        <source>Found {n} cloud:// IDs, none of them valid:</source>
        <translation>找到 {n} 个 cloud:// ID，均无效：</translation>
    </message>
    <message>
        <source>1 malformed ID was not added:</source>
        <translation>1 个格式错误的 ID 未添加：</translation>
    </message>
    <message>
        <source>{n} malformed IDs were not added:</source>
        <translation>{n} 个格式错误的 ID 未添加：</translation>
    </message>
    <message>
        <source>{file}, line {line}</source>
        <translation>{file} 第 {line} 行</translation>
    </message>
    <message>
        <source>Line {line}</source>
        <translation>第 {line} 行</translation>
    </message>
    <message>
        <source>{where}: {reason}: {id}</source>
        <translation>{where}：{reason}：{id}</translation>
    </message>
    <message>
        <source>… and 1 more malformed ID</source>
        <translation>……另有 1 个格式错误的 ID</translation>
    </message>
    <message>
        <source>… and {n} more malformed IDs</source>
        <translation>……另有 {n} 个格式错误的 ID</translation>
    </message>
</context>
<context>
    <name>LinksPresenter</name>
    <message>
        <source>Select rows first (or Ctrl+Shift+C for every working link).</source>
        <translation>请先选择行（或按 Ctrl+Shift+C 复制全部可用链接）。</translation>
    </message>
    <message>
        <source>Copied 1 link</source>
        <translation>已复制 1 个链接</translation>
    </message>
    <message>
        <source>Copied {n} links</source>
        <translation>已复制 {n} 个链接</translation>
    </message>
    <message>
        <source>The selected rows have no ready links.</source>
        <translation>选中的行没有可用链接。</translation>
    </message>
    <message>
        <source>{copied} ({n} rows without a ready link skipped)</source>
        <translation>{copied}（跳过了 {n} 行没有可用链接的行）</translation>
    </message>
    <message>
        <source>No ready links: 1 has expired. Refresh expired (Ctrl+F5) renews it.</source>
        <translation>没有可用链接：1 个临时下载链接已过期。“刷新过期链接”（Ctrl+F5）可续期。</translation>
    </message>
    <message>
        <source>No ready links: {n} have expired. Refresh expired (Ctrl+F5) renews them.</source>
        <translation>没有可用链接：{n} 个临时下载链接已过期。“刷新过期链接”（Ctrl+F5）可续期。</translation>
    </message>
    <message>
        <source>The row shown has no ready link (the filter hides the others).</source>
        <translation>显示的这一行没有可用链接（其余行已被筛选隐藏）。</translation>
    </message>
    <message>
        <source>None of the {n} rows shown has a ready link.</source>
        <translation>显示的 {n} 行都没有可用链接。</translation>
    </message>
    <message>
        <source>No ready links yet: resolve first (Ctrl+Return).</source>
        <translation>还没有可用链接：请先解析（Ctrl+Return）。</translation>
    </message>
    <message>
        <source>Copied 1 link, of the rows shown</source>
        <translation>已复制显示行中的 1 个链接</translation>
    </message>
    <message>
        <source>Copied {n} links, of the rows shown</source>
        <translation>已复制显示行中的 {n} 个链接</translation>
    </message>
    <message>
        <source>That link has expired: use Refresh expired.</source>
        <translation>该链接已过期：请使用“刷新过期链接”。</translation>
    </message>
    <message>
        <source>Copied the link of {key}</source>
        <translation>已复制 {key} 的链接</translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation>已复制。</translation>
    </message>
    <message>
        <source>Only http(s) links can be opened.</source>
        <translation>只能打开 http(s) 链接。</translation>
    </message>
    <message>
        <source>No browser could open the link.</source>
        <translation>没有浏览器能打开该链接。</translation>
    </message>
    <message>
        <source>Not resolved yet</source>
        <translation>尚未解析</translation>
    </message>
    <message>
        <source>Could not export: {reason}</source>
        <translation>导出失败：{reason}</translation>
    </message>
    <message>
        <source>Exported 1 row</source>
        <translation>已导出 1 行</translation>
    </message>
    <message>
        <source>Exported {n} rows</source>
        <translation>已导出 {n} 行</translation>
    </message>
    <message>
        <source>{done} to {path} ({format})</source>
        <translation>{done}到 {path}（{format}）</translation>
    </message>
    <message>
        <source>Exported 1 link</source>
        <translation>已导出 1 个链接</translation>
    </message>
    <message>
        <source>Exported {n} links</source>
        <translation>已导出 {n} 个链接</translation>
    </message>
    <message>
        <source>1 expired: Refresh expired, Ctrl+F5</source>
        <translation>1 个已过期：刷新过期链接，Ctrl+F5</translation>
    </message>
    <message>
        <source>{n} expired: Refresh expired, Ctrl+F5</source>
        <translation>{n} 个已过期：刷新过期链接，Ctrl+F5</translation>
    </message>
    <message>
        <source>1 row without a link</source>
        <translation>1 行没有链接</translation>
    </message>
    <message>
        <source>{n} rows without a link</source>
        <translation>{n} 行没有链接</translation>
    </message>
    <message>
        <source>{message} ({left_out})</source>
        <translation>{message}（{left_out}）</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>TCB Links</source>
        <translation>TCB Links</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Add IDs…</source>
        <translation>添加 ID…</translation>
    </message>
    <message>
        <source>Paste or type IDs</source>
        <translation>粘贴或输入 ID</translation>
    </message>
    <message>
        <source>Open list…</source>
        <translation>打开列表…</translation>
    </message>
    <message>
        <source>Open files with IDs (Ctrl+O)</source>
        <translation>打开包含 ID 的文件（Ctrl+O）</translation>
    </message>
    <message>
        <source>Link l&amp;ife</source>
        <translation>链接有效期(&amp;I)</translation>
    </message>
    <message>
        <source>At &amp;once</source>
        <translation>并发(&amp;O)</translation>
    </message>
    <message>
        <source>Requests in flight at once (1–32)</source>
        <translation>同时进行的请求数（1–32）</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>解析</translation>
    </message>
    <message>
        <source>Get download links (Ctrl+Return)</source>
        <translation>获取临时下载链接（Ctrl+Return）</translation>
    </message>
    <message>
        <source>Download…</source>
        <translation>下载…</translation>
    </message>
    <message>
        <source>Download the files to a folder (Ctrl+D)</source>
        <translation>将文件下载到文件夹（Ctrl+D）</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待解析</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Show rows by status</source>
        <translation>按状态显示行</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>重试失败项</translation>
    </message>
    <message>
        <source>Refresh expired</source>
        <translation>刷新过期链接</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop resolving; what is done stays done</source>
        <translation>停止解析；已完成的结果会保留</translation>
    </message>
    <message>
        <source>Add from clipboard</source>
        <translation>从剪贴板添加</translation>
    </message>
    <message>
        <source>Cancel resolving</source>
        <translation>取消解析</translation>
    </message>
    <message>
        <source>Copy selected links</source>
        <translation>复制选中行的链接</translation>
    </message>
    <message>
        <source>Check token</source>
        <translation>检查令牌</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>筛选</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <source>Set token…</source>
        <translation>设置令牌…</translation>
    </message>
    <message>
        <source>Clear token</source>
        <translation>清除令牌</translation>
    </message>
    <message>
        <source>Edit profile…</source>
        <translation>编辑配置…</translation>
    </message>
    <message>
        <source>New profile…</source>
        <translation>新建配置…</translation>
    </message>
    <message>
        <source>Try the demo</source>
        <translation>试用演示</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Links</source>
        <translation>链接(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Token</source>
        <translation>令牌(&amp;T)</translation>
    </message>
    <message>
        <source>Something went wrong ({task}): {detail}</source>
        <translation>出错了（{task}）：{detail}</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>The clipboard holds no text or files.</source>
        <translation>剪贴板中没有文本或文件。</translation>
    </message>
    <message>
        <source>Filter by ID, link or status (Ctrl+F)</source>
        <translation>按 ID、链接或状态筛选（Ctrl+F）</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>Download failed</source>
        <translation>下载失败</translation>
    </message>
    <message>
        <source>Ask again for the links that failed for a passing reason (Ctrl+R)</source>
        <translation>重新获取因临时原因失败的链接（Ctrl+R）</translation>
    </message>
    <message>
        <source>Get new links for the expired ones (Ctrl+F5)</source>
        <translation>为已过期的链接获取新链接（Ctrl+F5）</translation>
    </message>
    <message>
        <source>Copy links</source>
        <translation>复制链接</translation>
    </message>
    <message>
        <source>The ready links of the rows shown, one per line (Ctrl+Shift+C)</source>
        <translation>显示行中的可用链接，每行一个（Ctrl+Shift+C）</translation>
    </message>
    <message>
        <source>Save as CSV, JSON, a list of links or a downloader&apos;s input file (Ctrl+E)</source>
        <translation>另存为 CSV、JSON、链接列表或下载工具的输入文件（Ctrl+E）</translation>
    </message>
    <message>
        <source>Remove every row; Undo (Ctrl+Z) brings them back, and History keeps them</source>
        <translation>移除所有行；“撤销”（Ctrl+Z）可恢复，“历史”中也会保留</translation>
    </message>
    <message>
        <source>Copy the links shown</source>
        <translation>复制显示的链接</translation>
    </message>
    <message>
        <source>Remove selected rows</source>
        <translation>移除选中的行</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Row details</source>
        <translation>行详情</translation>
    </message>
    <message>
        <source>Pause download</source>
        <translation>暂停下载</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Retry failed downloads</source>
        <translation>重试失败的下载</translation>
    </message>
    <message>
        <source>Download the rest</source>
        <translation>下载剩余文件</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Show failed downloads</source>
        <translation>显示下载失败的行</translation>
    </message>
    <message>
        <source>Check connection…</source>
        <translation>检查连接…</translation>
    </message>
    <message>
        <source>Check the service, the clock, the token and today&apos;s quota, step by step</source>
        <translation>逐项检查服务、时钟、令牌和今日调用额度</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>请求记录</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>列</translation>
    </message>
    <message>
        <source>&amp;Downloads</source>
        <translation>下载(&amp;D)</translation>
    </message>
    <message>
        <source>Service notes</source>
        <translation>服务说明</translation>
    </message>
    <message>
        <source>How the app uses the CloudBase service: tokens, quota, error codes</source>
        <translation>本应用如何使用云开发服务：令牌、配额、错误码</translation>
    </message>
    <message>
        <source>the clipboard</source>
        <translation>剪贴板</translation>
    </message>
    <message>
        <source>Open lists of IDs</source>
        <translation>打开 ID 列表</translation>
    </message>
    <message>
        <source>Lists (*.txt *.csv *.tsv *.json *.log)</source>
        <translation>列表文件 (*.txt *.csv *.tsv *.json *.log)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>pasted text</source>
        <translation>粘贴的文本</translation>
    </message>
    <message>
        <source>the dropped text</source>
        <translation>拖放的文本</translation>
    </message>
    <message>
        <source>Open link</source>
        <translation>打开链接</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Copy the reason</source>
        <translation>复制原因</translation>
    </message>
    <message>
        <source>Resolve again</source>
        <translation>重新解析</translation>
    </message>
    <message>
        <source>Remove this row</source>
        <translation>移除此行</translation>
    </message>
    <message>
        <source>Remove {n} rows</source>
        <translation>移除 {n} 行</translation>
    </message>
    <message>
        <source>TCB links</source>
        <translation>TCB 链接</translation>
    </message>
    <message>
        <source>Cleared 1 row.</source>
        <translation>已清空 1 行。</translation>
    </message>
    <message>
        <source>Cleared {n} rows.</source>
        <translation>已清空 {n} 行。</translation>
    </message>
    <message>
        <source>Select rows to remove first.</source>
        <translation>请先选择要移除的行。</translation>
    </message>
    <message>
        <source>Removed 1 row.</source>
        <translation>已移除 1 行。</translation>
    </message>
    <message>
        <source>Removed {n} rows.</source>
        <translation>已移除 {n} 行。</translation>
    </message>
    <message>
        <source>{done} Undo (Ctrl+Z) puts back what was removed.</source>
        <translation>{done}“撤销”（Ctrl+Z）可恢复被移除的内容。</translation>
    </message>
    <message>
        <source>Nothing to undo.</source>
        <translation>没有可撤销的操作。</translation>
    </message>
    <message>
        <source>The cleared list is in the History menu: new IDs came since.</source>
        <translation>已清空的列表在“历史”菜单中：此后又添加了新的 ID。</translation>
    </message>
    <message>
        <source>Put back 1 row.</source>
        <translation>已恢复 1 行。</translation>
    </message>
    <message>
        <source>Put back {n} rows.</source>
        <translation>已恢复 {n} 行。</translation>
    </message>
    <message>
        <source>Row details are on: select a row to see them (Ctrl+I hides them).</source>
        <translation>已打开行详情：选择一行即可查看（Ctrl+I 隐藏）。</translation>
    </message>
    <message>
        <source>Resolving finished</source>
        <translation>解析完成</translation>
    </message>
    <message>
        <source>Download finished</source>
        <translation>下载完成</translation>
    </message>
    <message>
        <source>resolved {done} of {total}</source>
        <translation>已解析 {done}/{total}</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} 个失败</translation>
    </message>
    <message>
        <source>{shown} of {total} shown</source>
        <translation>显示 {shown}/{total}</translation>
    </message>
    <message>
        <source>{n} ready</source>
        <translation>{n} 个可用</translation>
    </message>
    <message>
        <source>{n} saved</source>
        <translation>{n} 个已保存</translation>
    </message>
    <message>
        <source>1 download failed</source>
        <translation>1 个下载失败</translation>
    </message>
    <message>
        <source>{n} downloads failed</source>
        <translation>{n} 个下载失败</translation>
    </message>
    <message>
        <source>Resume download</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation>复制链接</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>复制 ID</translation>
    </message>
    <message>
        <source>Nothing to export yet.</source>
        <translation>暂无可导出的内容。</translation>
    </message>
    <message>
        <source>1 ID</source>
        <translation>1 个 ID</translation>
    </message>
    <message>
        <source>{n} IDs</source>
        <translation>{n} 个 ID</translation>
    </message>
    <message>
        <source>{n} expired</source>
        <translation>{n} 个已过期</translation>
    </message>
    <message>
        <source>{n} to resolve</source>
        <translation>{n} 个待解析</translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <source>Edit profile</source>
        <translation>编辑配置</translation>
    </message>
    <message>
        <source>New profile</source>
        <translation>新建配置</translation>
    </message>
</context>
<context>
    <name>ProfileEditor</name>
    <message>
        <source>e.g. production</source>
        <translation>例如：正式环境</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Access &amp;token (pasted)</source>
        <translation>access_token（粘贴）(&amp;T)</translation>
    </message>
    <message>
        <source>AppID + App&amp;Secret (stable token)</source>
        <translation>AppID + AppSecret（稳定版令牌）(&amp;S)</translation>
    </message>
    <message>
        <source>The app gets a stable token itself</source>
        <translation>由应用自动获取稳定版 access_token</translation>
    </message>
    <message>
        <source>Gets its token with:</source>
        <translation>令牌获取方式：</translation>
    </message>
    <message>
        <source>Third-party platform (componenttcb)</source>
        <translation>第三方平台（componenttcb）</translation>
    </message>
    <message>
        <source>Mini program (tcb)</source>
        <translation>小程序（tcb）</translation>
    </message>
    <message>
        <source>Which API the token belongs to; a mini program AppSecret always uses tcb</source>
        <translation>令牌所属的接口类型；使用小程序 AppSecret 时固定为 tcb</translation>
    </message>
    <message>
        <source>&amp;API:</source>
        <translation>接口类型(&amp;A)：</translation>
    </message>
    <message>
        <source>App&amp;ID:</source>
        <translation>AppID(&amp;I)：</translation>
    </message>
    <message>
        <source>AppSecret</source>
        <translation>AppSecret</translation>
    </message>
    <message>
        <source>Sho&amp;w</source>
        <translation>显示(&amp;W)</translation>
    </message>
    <message>
        <source>Show the AppSecret as you type it</source>
        <translation>输入时显示 AppSecret</translation>
    </message>
    <message>
        <source>AppS&amp;ecret:</source>
        <translation>AppSecret(&amp;E)：</translation>
    </message>
    <message>
        <source>https:// address of the service (plain http only for this computer)</source>
        <translation>服务的 https:// 地址（仅本机地址可用 http）</translation>
    </message>
    <message>
        <source>&amp;Base URL:</source>
        <translation>服务地址(&amp;B)：</translation>
    </message>
    <message>
        <source>&amp;Link life (max age):</source>
        <translation>链接有效期(&amp;L)：</translation>
    </message>
    <message>
        <source>Requests in flight at once (1–32)</source>
        <translation>同时进行的请求数（1–32）</translation>
    </message>
    <message>
        <source>&amp;Requests at once:</source>
        <translation>并发请求数(&amp;R)：</translation>
    </message>
    <message>
        <source>The default profile keeps its name; add a profile for another name.</source>
        <translation>默认配置不能改名；如需其他名称，请新建配置。</translation>
    </message>
    <message>
        <source>Paste the token itself in the main window (Set token…); it is kept in the system keyring, never in a file.</source>
        <translation>令牌本身请在主窗口中粘贴（设置令牌…）；它保存在系统密钥环中，不会写入文件。</translation>
    </message>
    <message>
        <source>Paste the token itself in the main window (Set token…). No keyring answers on this computer, so it is kept for this session only (never in a file).</source>
        <translation>令牌本身请在主窗口中粘贴（设置令牌…）。这台计算机上没有可用的密钥环，因此它只在本次会话中保留（不会写入文件）。</translation>
    </message>
    <message>
        <source>An AppSecret is saved in the keyring; leave the field empty to keep it.</source>
        <translation>密钥环中已保存 AppSecret；留空即保留原值。</translation>
    </message>
    <message>
        <source>Leave the field empty to keep the AppSecret already saved, if any.</source>
        <translation>留空则保留已保存的 AppSecret（如有）。</translation>
    </message>
    <message>
        <source>No AppSecret is saved yet. Copy it from the WeChat MP console (开发管理 → 开发设置); it is kept in the system keyring, never in a file.</source>
        <translation>尚未保存 AppSecret。请从微信公众平台（开发管理 → 开发设置）复制；它只保存在系统密钥环中，绝不会写入文件。</translation>
    </message>
    <message>
        <source>No AppSecret is saved yet. Copy it from the WeChat MP console (开发管理 → 开发设置). No keyring answers on this computer, so it is kept for this session only (never in a file): enter it again after a restart, or set TCB_APP_SECRET.</source>
        <translation>尚未保存 AppSecret。请从微信公众平台（开发管理 → 开发设置）复制。这台计算机上没有可用的密钥环，因此它只在本次会话中保留（不会写入文件）：重启后需重新输入，或设置 TCB_APP_SECRET。</translation>
    </message>
    <message>
        <source>(unchanged)</source>
        <translation>（未更改）</translation>
    </message>
    <message>
        <source>32 letters and digits</source>
        <translation>32 位字母和数字</translation>
    </message>
</context>
<context>
    <name>QuotaQuestion</name>
    <message>
        <source>This run needs {n} calls; today&apos;s quota is unknown.</source>
        <translation>本次需要调用 {n} 次；今日剩余额度未知。</translation>
    </message>
    <message>
        <source>This run needs {n} calls; {m} remain today.</source>
        <translation>本次需要调用 {n} 次；今日还剩 {m} 次。</translation>
    </message>
    <message>
        <source>Not started: {line}</source>
        <translation>未开始：{line}</translation>
    </message>
    <message>
        <source>Today&apos;s quota</source>
        <translation>今日调用额度</translation>
    </message>
    <message>
        <source>It would stop with today&apos;s quota used up after about {n} IDs; the rest would wait until the quota resets. Start with fewer IDs, or ask the account owner to reset the quota.</source>
        <translation>处理约 {n} 个 ID 后今日额度就会用完，运行随即停止，其余的需等额度重置。请减少 ID 后再开始，或请账号所有者重置额度。</translation>
    </message>
    <message>
        <source>Start anyway</source>
        <translation>仍然开始</translation>
    </message>
</context>
<context>
    <name>RequestsView</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>接口</translation>
    </message>
    <message>
        <source>Env</source>
        <translation>环境</translation>
    </message>
    <message>
        <source>IDs</source>
        <translation>ID 数</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
    <message>
        <source>errcode</source>
        <translation>错误码</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>Attempt</source>
        <translation>尝试</translation>
    </message>
    <message>
        <source>When the call was sent; the newest sent are on top</source>
        <translation>调用发出的时间；最新发出的在最上面</translation>
    </message>
    <message>
        <source>How long the call took, in milliseconds</source>
        <translation>调用耗时（毫秒）</translation>
    </message>
    <message>
        <source>api</source>
        <translation>接口</translation>
    </message>
    <message>
        <source>token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>renew-token</source>
        <translation>换新令牌</translation>
    </message>
    <message>
        <source>stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>gave-up</source>
        <translation>已放弃</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>(See {source}.)</source>
        <translation>（参见 {source}。）</translation>
    </message>
    <message>
        <source>{method} {endpoint} — attempt {attempt}, {outcome}, {ms} ms</source>
        <translation>{method} {endpoint} — 第 {attempt} 次尝试，{outcome}，{ms} 毫秒</translation>
    </message>
    <message>
        <source>HTTP status: {status}</source>
        <translation>HTTP 状态码：{status}</translation>
    </message>
    <message>
        <source>errcode: {errcode}</source>
        <translation>错误码（errcode）：{errcode}</translation>
    </message>
    <message>
        <source>errmsg: {errmsg}</source>
        <translation>错误信息（errmsg）：{errmsg}</translation>
    </message>
    <message>
        <source>bytes received: {n}</source>
        <translation>收到字节数：{n}</translation>
    </message>
    <message>
        <source>… ({n} more characters)</source>
        <translation>…（还有 {n} 个字符）</translation>
    </message>
    <message>
        <source>Body sent:</source>
        <translation>发送的请求体：</translation>
    </message>
</context>
<context>
    <name>RequestsWindow</name>
    <message>
        <source>Requests</source>
        <translation>请求记录</translation>
    </message>
    <message>
        <source>Select a call to see its answer in plain words.</source>
        <translation>选择一次调用，即可查看其应答的通俗说明。</translation>
    </message>
    <message>
        <source>Copy as curl</source>
        <translation>复制为 curl 命令</translation>
    </message>
    <message>
        <source>The selected call as a curl command: the token as $TCB_ACCESS_TOKEN</source>
        <translation>将选中的调用复制为 curl 命令：令牌写作 $TCB_ACCESS_TOKEN</translation>
    </message>
    <message>
        <source>Save trace…</source>
        <translation>保存请求记录…</translation>
    </message>
    <message>
        <source>Save the calls listed here as JSON lines (as tcb-gui --trace writes)</source>
        <translation>将此处列出的调用按行保存为 JSON（格式与 tcb-gui --trace 相同）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Service notes</source>
        <translation>服务说明</translation>
    </message>
    <message>
        <source>What the service&apos;s answers mean, at the section that explains the selected call</source>
        <translation>服务应答的含义，定位到解释所选调用的那一节</translation>
    </message>
    <message>
        <source>{n} calls</source>
        <translation>{n} 次调用</translation>
    </message>
    <message>
        <source>1 call</source>
        <translation>1 次调用</translation>
    </message>
    <message>
        <source>The newest {held} of {total} calls</source>
        <translation>最近的 {held} 次调用（共 {total} 次）</translation>
    </message>
    <message>
        <source>Save trace</source>
        <translation>保存请求记录</translation>
    </message>
    <message>
        <source>JSON lines (*.jsonl)</source>
        <translation>JSON Lines 文件 (*.jsonl)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Could not save the trace: {reason}</source>
        <translation>无法保存请求记录：{reason}</translation>
    </message>
    <message>
        <source>Saved {n} calls to {path}</source>
        <translation>已将 {n} 次调用保存到 {path}</translation>
    </message>
    <message>
        <source>Saved 1 call to {path}</source>
        <translation>已将 1 次调用保存到 {path}</translation>
    </message>
</context>
<context>
    <name>ResolvePresenter</name>
    <message>
        <source>Already resolving.</source>
        <translation>正在解析中。</translation>
    </message>
    <message>
        <source>No expired links.</source>
        <translation>没有过期的链接。</translation>
    </message>
    <message>
        <source>The token works. Resume to resolve the {n} waiting IDs.</source>
        <translation>令牌可用。点击“继续”解析等待中的 {n} 个 ID。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Checking the token… {n} IDs are waiting.</source>
        <translation>正在检查令牌… {n} 个 ID 正在等待。</translation>
    </message>
    <message>
        <source>Set a token first: the service needs one to give out links. {n} IDs are waiting.</source>
        <translation>请先设置令牌：服务需要令牌才能提供临时下载链接。{n} 个 ID 正在等待。</translation>
    </message>
    <message>
        <source>The service cannot be reached, so the token cannot be checked. {n} IDs are waiting; Resume once the connection is back.</source>
        <translation>无法连接服务，因此无法检查令牌。{n} 个 ID 正在等待；网络恢复后请点击“继续”。</translation>
    </message>
    <message>
        <source>Nothing to resolve: add IDs first.</source>
        <translation>没有可解析的内容：请先添加 ID。</translation>
    </message>
    <message>
        <source>Cancelled; {n} IDs were not resolved.</source>
        <translation>已取消；{n} 个 ID 未解析。</translation>
    </message>
    <message>
        <source>No failures to retry.</source>
        <translation>没有可重试的失败项。</translation>
    </message>
    <message>
        <source>No failures worth retrying: the service gave those files its last word (not found, no permission, or an environment it does not know). Resolve again in the row&apos;s menu asks anyway.</source>
        <translation>没有值得重试的失败项：服务已对这些文件给出最终答复（文件不存在、无权限，或不认识该环境 ID）。如仍要请求，请使用行菜单中的“重新解析”。</translation>
    </message>
    <message>
        <source>Resolving once the IDs being added are in…</source>
        <translation>正在添加的 ID 读入后即开始解析…</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
    <message>
        <source>Retrying: no answer for {time} ({problem}); gives up at {limit}.</source>
        <translation>正在重试：服务已 {time}无应答（{problem}），满 {limit}将停止。</translation>
    </message>
    <message>
        <source>Every ID has its answer. Retry failed (Ctrl+R) asks again for the failures; Refresh expired (Ctrl+F5) renews old links.</source>
        <translation>每个 ID 都已有结果。“重试失败项”（Ctrl+R）会重新获取失败的链接；“刷新过期链接”（Ctrl+F5）会更新旧链接。</translation>
    </message>
    <message>
        <source>Every ID has its answer. Retry failed (Ctrl+R) asks again for the failures.</source>
        <translation>每个 ID 都已有结果。“重试失败项”（Ctrl+R）会重新获取失败的链接。</translation>
    </message>
    <message>
        <source>Every ID has its answer, the failures the service&apos;s last word (Resolve again in the row&apos;s menu asks anyway). Refresh expired (Ctrl+F5) renews old links.</source>
        <translation>每个 ID 都已有结果，失败项均为服务的最终答复（如仍要请求，请使用行菜单中的“重新解析”）。“刷新过期链接”（Ctrl+F5）会更新旧链接。</translation>
    </message>
    <message>
        <source>Every ID is resolved. Refresh expired (Ctrl+F5) renews the expired links.</source>
        <translation>每个 ID 都已解析。“刷新过期链接”（Ctrl+F5）会更新已过期的链接。</translation>
    </message>
    <message>
        <source>Every ID is resolved already.</source>
        <translation>每个 ID 都已解析。</translation>
    </message>
    <message>
        <source>Done: 1 link, {failed} failed.</source>
        <translation>完成：1 个链接，{failed} 个失败。</translation>
    </message>
    <message>
        <source>Done: {n} links, {failed} failed.</source>
        <translation>完成：{n} 个链接，{failed} 个失败。</translation>
    </message>
    <message>
        <source>Paused: 1 link, {failed} failed, {left} waiting.</source>
        <translation>已暂停：1 个链接，{failed} 个失败，{left} 个等待中。</translation>
    </message>
    <message>
        <source>Paused: {n} links, {failed} failed, {left} waiting.</source>
        <translation>已暂停：{n} 个链接，{failed} 个失败，{left} 个等待中。</translation>
    </message>
    <message>
        <source>Stopped: 1 link, {failed} failed, {left} not resolved.</source>
        <translation>已停止：1 个链接，{failed} 个失败，{left} 个未解析。</translation>
    </message>
    <message>
        <source>Stopped: {n} links, {failed} failed, {left} not resolved.</source>
        <translation>已停止：{n} 个链接，{failed} 个失败，{left} 个未解析。</translation>
    </message>
    <message>
        <source>Paused: {reason} {n} IDs are waiting; nothing resolved is lost.</source>
        <translation>已暂停：{reason} {n} 个 ID 正在等待；已解析的结果不会丢失。</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Env</source>
        <translation>环境</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>链接</translation>
    </message>
    <message>
        <source>Expires in</source>
        <translation>剩余有效期</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Copy link (Space) · Open link (Enter)</source>
        <translation>复制链接（空格）· 打开链接（Enter）</translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <source>Drop files or text with cloud:// IDs here</source>
        <translation>将含 cloud:// ID 的文件或文本拖放到这里</translation>
    </message>
    <message>
        <source>or paste them with Ctrl+V · open a list with Ctrl+O · Add IDs… to type them</source>
        <translation>或按 Ctrl+V 粘贴 · 按 Ctrl+O 打开列表 · 点击“添加 ID…”手动输入</translation>
    </message>
    <message>
        <source>No rows match the filter</source>
        <translation>没有符合筛选条件的行</translation>
    </message>
    <message>
        <source>Clear the search text or choose “All” to see every row.</source>
        <translation>清除搜索文本或选择“全部”，即可显示所有行。</translation>
    </message>
    <message>
        <source>Try the demo</source>
        <translation>试用演示</translation>
    </message>
    <message>
        <source>Start a local stand-in of the service with sample files and a demo token</source>
        <translation>启动本地模拟服务，附带示例文件和演示令牌</translation>
    </message>
    <message>
        <source>Shown when the window is wide enough</source>
        <translation>窗口足够宽时显示</translation>
    </message>
</context>
<context>
    <name>RowDetails</name>
    <message>
        <source>Hide the details (Ctrl+I)</source>
        <translation>隐藏详情（Ctrl+I）</translation>
    </message>
    <message>
        <source>Row details</source>
        <translation>行详情</translation>
    </message>
    <message>
        <source>No row selected</source>
        <translation>未选择行</translation>
    </message>
    <message>
        <source>Select a row to see its status in full: why it failed and what to do, its link and expiry, where it was saved.</source>
        <translation>选择一行即可查看完整状态：失败原因和处理办法、临时下载链接及有效期、保存位置。</translation>
    </message>
    <message>
        <source>{file} — {status}</source>
        <translation>{file} — {status}</translation>
    </message>
    <message>
        <source>Saved to {path} ({size})</source>
        <translation>已保存到 {path}（{size}）</translation>
    </message>
    <message>
        <source>{saved}: {checked}</source>
        <translation>{saved}：{checked}</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>expires in {t}</source>
        <translation>剩余有效期 {t}</translation>
    </message>
    <message>
        <source>Link ({expiry}): {url}</source>
        <translation>临时下载链接（{expiry}）：{url}</translation>
    </message>
    <message>
        <source>ID: {id}</source>
        <translation>云文件 ID：{id}</translation>
    </message>
</context>
<context>
    <name>ServiceNotes</name>
    <message>
        <source>Help ▸ Service notes</source>
        <translation>帮助 ▸ 服务说明</translation>
    </message>
    <message>
        <source>Service notes</source>
        <translation>服务说明</translation>
    </message>
    <message>
        <source>The service notes ({name}) are not part of this installation.</source>
        <translation>此安装中没有服务说明（{name}）。</translation>
    </message>
    <message>
        <source>How TCB Links uses the CloudBase service: endpoints, tokens, the daily quota, error codes, file IDs and download links.</source>
        <translation>TCB Links 如何使用云开发服务：接口、令牌、每日配额、错误码、文件 ID 与下载链接。</translation>
    </message>
</context>
<context>
    <name>SetTokenDialog</name>
    <message>
        <source>Set AppSecret</source>
        <translation>设置 AppSecret</translation>
    </message>
    <message>
        <source>Paste the AppSecret of mini program {appid} for profile “{profile}” (WeChat MP console, 开发管理 → 开发设置). It is kept in the system keyring, never in a file; the app gets its access tokens with it.</source>
        <translation>粘贴配置“{profile}”所用小程序 {appid} 的 AppSecret（见微信公众平台：开发管理 → 开发设置）。它只保存在系统密钥环中，绝不会写入文件；应用用它获取 access_token。</translation>
    </message>
    <message>
        <source>Paste the AppSecret of mini program {appid} for profile “{profile}” (WeChat MP console, 开发管理 → 开发设置). No keyring answers on this computer, so it is kept for this session only (never in a file): paste it again after a restart, or set TCB_APP_SECRET. The app gets its access tokens with it.</source>
        <translation>粘贴配置“{profile}”所用小程序 {appid} 的 AppSecret（见微信公众平台：开发管理 → 开发设置）。这台计算机上没有可用的密钥环，因此它只在本次会话中保留（不会写入文件）：重启后需重新粘贴，或设置 TCB_APP_SECRET。应用用它获取 access_token。</translation>
    </message>
    <message>
        <source>Set token</source>
        <translation>设置令牌</translation>
    </message>
    <message>
        <source>Paste the access token for the demo service. It is kept for this session only, never in the keyring or a file.</source>
        <translation>粘贴演示服务的 access_token。它只在本次会话中保留，不会存入密钥环或文件。</translation>
    </message>
    <message>
        <source>Paste the access token for profile “{profile}”. No keyring answers on this computer, so it is kept for this session only (never in a file): paste it again after a restart, or set TCB_ACCESS_TOKEN.</source>
        <translation>粘贴配置“{profile}”的 access_token。这台计算机上没有可用的密钥环，因此它只在本次会话中保留（不会写入文件）：重启后需重新粘贴，或设置 TCB_ACCESS_TOKEN。</translation>
    </message>
    <message>
        <source>Paste the access token for profile “{profile}”. It is kept in the system keyring, never in a file.</source>
        <translation>粘贴配置“{profile}”的 access_token。它只保存在系统密钥环中，绝不会写入文件。</translation>
    </message>
    <message>
        <source>AppSecret</source>
        <translation>AppSecret</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>32 letters a–f and digits</source>
        <translation>32 位字符（a–f 和数字）</translation>
    </message>
    <message>
        <source>component_access_token or access_token</source>
        <translation>component_access_token 或 access_token</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>粘贴(&amp;P)</translation>
    </message>
    <message>
        <source>Paste from the clipboard</source>
        <translation>从剪贴板粘贴</translation>
    </message>
    <message>
        <source>&amp;Show AppSecret</source>
        <translation>显示 AppSecret(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Show token</source>
        <translation>显示令牌(&amp;S)</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>A profile named “{name}” exists already.</source>
        <translation>已存在名为“{name}”的配置。</translation>
    </message>
    <message>
        <source>A profile named “{name}” was added in another window or on the command line while Settings was open; pick another name.</source>
        <translation>设置打开期间，另一个窗口或命令行已添加名为“{name}”的配置；请换一个名称。</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>设置分类</translation>
    </message>
    <message>
        <source>&amp;Profiles</source>
        <translation>配置(&amp;P)</translation>
    </message>
    <message>
        <source>Downloads &amp;&amp; &amp;history</source>
        <translation>下载与历史(&amp;H)</translation>
    </message>
    <message>
        <source>Appearan&amp;ce</source>
        <translation>外观(&amp;C)</translation>
    </message>
    <message>
        <source>The profile the main window uses</source>
        <translation>主窗口使用的配置</translation>
    </message>
    <message>
        <source>Profile in &amp;use:</source>
        <translation>当前配置(&amp;U)：</translation>
    </message>
    <message>
        <source>The window now uses the Demo service, for this session only. The profile chosen here is used when you leave the demo (pick it in the Profile list).</source>
        <translation>窗口当前使用演示服务（仅本次会话）。离开演示后将使用此处选择的配置（在“配置”列表中选择它）。</translation>
    </message>
    <message>
        <source>Pro&amp;files:</source>
        <translation>配置列表(&amp;F)：</translation>
    </message>
    <message>
        <source>Profiles</source>
        <translation>配置列表</translation>
    </message>
    <message>
        <source>Choose a profile to edit its settings on the right</source>
        <translation>选择一个配置，在右侧编辑其设置</translation>
    </message>
    <message>
        <source>A&amp;dd</source>
        <translation>添加(&amp;D)</translation>
    </message>
    <message>
        <source>Add a profile</source>
        <translation>添加配置</translation>
    </message>
    <message>
        <source>Re&amp;move</source>
        <translation>删除(&amp;M)</translation>
    </message>
    <message>
        <source>Remove the selected profile and forget its token and AppSecret</source>
        <translation>删除所选配置，并清除其令牌和 AppSecret</translation>
    </message>
    <message>
        <source>Ask when downloading</source>
        <translation>下载时询问</translation>
    </message>
    <message>
        <source>Choose the download folder</source>
        <translation>选择下载文件夹</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Lists (with their links) brought back after a restart; 0 keeps none</source>
        <translation>重启后可恢复的列表（含链接）数量；0 表示不保留</translation>
    </message>
    <message>
        <source>&amp;Recent lists kept:</source>
        <translation>保留最近列表数(&amp;R)：</translation>
    </message>
    <message>
        <source>{label}:</source>
        <translation>{label}：</translation>
    </message>
    <message>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>A new language applies when TCB Links restarts.</source>
        <translation>新语言在 TCB Links 重启后生效。</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>主题(&amp;T)：</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>（未命名）</translation>
    </message>
    <message>
        <source>Another window or the command line added “{other}”, so this profile cannot be saved under this name: rename it (or remove it).</source>
        <translation>另一个窗口或命令行已添加“{other}”，因此该配置无法以此名称保存：请重命名（或删除）它。</translation>
    </message>
    <message>
        <source>Download folder</source>
        <translation>下载文件夹</translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation>选择(&amp;H)…</translation>
    </message>
    <message>
        <source>Profile “{name}”: {reason}</source>
        <translation>配置“{name}”：{reason}</translation>
    </message>
    <message>
        <source>The new language applies the next time TCB Links starts.</source>
        <translation>新语言将在下次启动 TCB Links 时生效。</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
</context>
<context>
    <name>StableTokens</name>
    <message>
        <source>No AppSecret is saved for this mini program profile. Set it (Set AppSecret…), or set the TCB_APP_SECRET variable.</source>
        <translation>此小程序配置尚未保存 AppSecret。请设置（设置 AppSecret…），或设置环境变量 TCB_APP_SECRET。</translation>
    </message>
    <message>
        <source>Asking WeChat for a stable token…</source>
        <translation>正在向微信获取稳定版 access_token…</translation>
    </message>
    <message>
        <source>Set AppSecret…</source>
        <translation>设置 AppSecret…</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>AppSecret saved for profile “{name}”.</source>
        <translation>已为配置“{name}”保存 AppSecret。</translation>
    </message>
    <message>
        <source>The AppSecret comes from TCB_APP_SECRET; unset it to stop using it.</source>
        <translation>AppSecret 来自环境变量 TCB_APP_SECRET；如需停用，请取消设置该变量。</translation>
    </message>
    <message>
        <source>AppSecret cleared for profile “{name}”.</source>
        <translation>已清除配置“{name}”的 AppSecret。</translation>
    </message>
</context>
<context>
    <name>StatusWords</name>
    <message>
        <source>Pending</source>
        <translation>待解析</translation>
    </message>
    <message>
        <source>Resolving…</source>
        <translation>解析中…</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>Link expired</source>
        <translation>链接已过期</translation>
    </message>
    <message>
        <source>Waiting for token</source>
        <translation>等待令牌</translation>
    </message>
    <message>
        <source>Download failed</source>
        <translation>下载失败</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>No permission</source>
        <translation>无权限</translation>
    </message>
    <message>
        <source>Wrong environment</source>
        <translation>环境不符</translation>
    </message>
    <message>
        <source>Unknown environment</source>
        <translation>未知环境</translation>
    </message>
    <message>
        <source>Storage error</source>
        <translation>存储错误</translation>
    </message>
    <message>
        <source>No usable link</source>
        <translation>无可用链接</translation>
    </message>
    <message>
        <source>Token rejected</source>
        <translation>令牌被拒绝</translation>
    </message>
    <message>
        <source>Quota used up</source>
        <translation>额度已用完</translation>
    </message>
    <message>
        <source>IP not allowed</source>
        <translation>IP 不在白名单</translation>
    </message>
    <message>
        <source>Account problem</source>
        <translation>账号问题</translation>
    </message>
    <message>
        <source>Network error</source>
        <translation>网络错误</translation>
    </message>
    <message>
        <source>Service busy</source>
        <translation>服务繁忙</translation>
    </message>
    <message>
        <source>Request refused</source>
        <translation>请求被拒绝</translation>
    </message>
    <message>
        <source>App error</source>
        <translation>应用错误</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>The file is not in this environment: it was deleted, moved, or the ID has a typo.</source>
        <translation>此环境中没有该文件：它可能已被删除或移动，或云文件 ID 有误。</translation>
    </message>
    <message>
        <source>The storage&apos;s permission rules do not let this account read the file. Check the rules in the CloudBase console (存储 → 权限设置).</source>
        <translation>云存储的权限规则不允许此账号读取该文件。请在云开发控制台中检查规则（存储 → 权限设置）。</translation>
    </message>
    <message>
        <source>The file belongs to another environment than the ID names. Check the environment ID in the file ID.</source>
        <translation>该文件属于另一个环境，与云文件 ID 中的环境不符。请检查云文件 ID 中的环境 ID。</translation>
    </message>
    <message>
        <source>The service does not know this environment for this token&apos;s account. Check the environment ID, or use the token of the account that owns it.</source>
        <translation>对此令牌所属的账号，服务不认识这个环境。请检查环境 ID，或使用拥有该环境的账号的令牌。</translation>
    </message>
    <message>
        <source>Set a valid token (Token ▸ Set token…), then Retry failed.</source>
        <translation>请设置有效令牌（令牌 ▸ 设置令牌…），然后点击“重试失败项”。</translation>
    </message>
    <message>
        <source>Try again once the quota resets (usually the next day).</source>
        <translation>请在额度重置后再试（通常是第二天）。</translation>
    </message>
    <message>
        <source>Add this computer&apos;s address to the IP allowlist in the WeChat MP console.</source>
        <translation>请在微信公众平台将这台计算机的地址加入 IP 白名单。</translation>
    </message>
    <message>
        <source>Retry failed (Ctrl+R) once the network is back.</source>
        <translation>网络恢复后点击“重试失败项”（Ctrl+R）。</translation>
    </message>
    <message>
        <source>Retry failed (Ctrl+R) in a moment.</source>
        <translation>稍后点击“重试失败项”（Ctrl+R）。</translation>
    </message>
    <message>
        <source>Retry failed (Ctrl+R) may help; the reason says more.</source>
        <translation>“重试失败项”（Ctrl+R）可能有用；详见原因。</translation>
    </message>
    <message>
        <source>Set a valid token, then Resume downloads.</source>
        <translation>请设置有效令牌，然后继续下载。</translation>
    </message>
    <message>
        <source>Retry failed downloads (Ctrl+Shift+D) to try it again.</source>
        <translation>点击“重试失败的下载”（Ctrl+Shift+D）再试一次。</translation>
    </message>
    <message>
        <source>Set a valid token, then Resume to resolve this file.</source>
        <translation>请设置有效令牌后点击“继续”解析此文件。</translation>
    </message>
    <message>
        <source>Refresh expired (Ctrl+F5) gets a new link.</source>
        <translation>“刷新过期链接”（Ctrl+F5）可获取新链接。</translation>
    </message>
    <message>
        <source>its CRC-64 checksum matches the storage&apos;s</source>
        <translation>其 CRC-64 校验值与云存储一致</translation>
    </message>
    <message>
        <source>its size matches (the storage offered no checksum)</source>
        <translation>其大小一致（云存储未提供校验值）</translation>
    </message>
    <message>
        <source>not checked (the storage announced neither a checksum nor a size)</source>
        <translation>未校验（云存储既未提供校验值，也未告知大小）</translation>
    </message>
</context>
<context>
    <name>TokenBadge</name>
    <message>
        <source>Token state</source>
        <translation>令牌状态</translation>
    </message>
    <message>
        <source>No token</source>
        <translation>未设置令牌</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>Token valid</source>
        <translation>令牌有效</translation>
    </message>
    <message>
        <source>Token expired</source>
        <translation>令牌已过期</translation>
    </message>
    <message>
        <source>Token invalid</source>
        <translation>令牌无效</translation>
    </message>
    <message>
        <source>No token received</source>
        <translation>服务未收到令牌</translation>
    </message>
    <message>
        <source>Not allowed for this API</source>
        <translation>无权调用此接口</translation>
    </message>
    <message>
        <source>Service unreachable</source>
        <translation>无法连接服务</translation>
    </message>
    <message>
        <source>No AppSecret</source>
        <translation>未设置 AppSecret</translation>
    </message>
    <message>
        <source>AppSecret rejected</source>
        <translation>AppSecret 无效</translation>
    </message>
    <message>
        <source>IP not on the allowlist</source>
        <translation>IP 不在白名单中</translation>
    </message>
    <message>
        <source>AppID rejected</source>
        <translation>AppID 无效</translation>
    </message>
    <message>
        <source>from environment</source>
        <translation>来自环境变量</translation>
    </message>
    <message>
        <source>session only</source>
        <translation>仅本次会话</translation>
    </message>
    <message>
        <source>in keyring</source>
        <translation>已存入密钥环</translation>
    </message>
    <message>
        <source>{t} left</source>
        <translation>剩余 {t}</translation>
    </message>
    <message>
        <source>~{n} calls left today</source>
        <translation>今日约剩 {n} 次调用</translation>
    </message>
    <message>
        <source>~1 call left today</source>
        <translation>今日约剩 1 次调用</translation>
    </message>
    <message>
        <source>1 call left today</source>
        <translation>今日剩余 1 次调用</translation>
    </message>
    <message>
        <source>Today&apos;s quota: not checked yet. It reset at midnight (Beijing time) after the last check, {when}.</source>
        <translation>今日配额：尚未查询。上次查询（{when}）之后，配额已在零点（北京时间）重置。</translation>
    </message>
    <message>
        <source>Estimated: the check at {when} less the link call made here since.</source>
        <translation>估算值：{when} 查询所得，减去此后在此发出的 1 次链接调用。</translation>
    </message>
    <message>
        <source>Estimated: the check at {when} less the {n} link calls made here since.</source>
        <translation>估算值：{when} 查询所得，减去此后在此发出的 {n} 次链接调用。</translation>
    </message>
    <message>
        <source>Quota today: about {used} of {limit} used, {remain} left</source>
        <translation>今日配额：共 {limit} 次，约已用 {used} 次，约剩余 {remain} 次</translation>
    </message>
    <message>
        <source>Calls made elsewhere with this account are not counted.</source>
        <translation>此账号在别处发出的调用未计入。</translation>
    </message>
    <message>
        <source>{state} · {left}</source>
        <translation>{state} · {left}</translation>
    </message>
    <message>
        <source>{state} — stable token, renews automatically</source>
        <translation>{state}（稳定版令牌，自动续期）</translation>
    </message>
    <message>
        <source>{n} calls left today</source>
        <translation>今日剩余 {n} 次调用</translation>
    </message>
    <message>
        <source>~{t} left</source>
        <translation>约剩 {t}</translation>
    </message>
    <message>
        <source>Quota today: {used} of {limit} used, {remain} left</source>
        <translation>今日配额：共 {limit} 次，已用 {used} 次，剩余 {remain} 次</translation>
    </message>
    <message>
        <source>Time left of the token WeChat issued: {t}; a new one is fetched a few minutes before it ends.</source>
        <translation>微信签发的令牌剩余有效期：{t}；到期前几分钟会自动获取新令牌。</translation>
    </message>
    <message>
        <source>Estimated time left of its 2-hour life: {t}</source>
        <translation>有效期 2 小时，估计剩余：{t}</translation>
    </message>
    <message>
        <source>AppSecret: {source}</source>
        <translation>AppSecret：{source}</translation>
    </message>
    <message>
        <source>Source: {source}</source>
        <translation>来源：{source}</translation>
    </message>
    <message>
        <source>Last checked: {when}</source>
        <translation>上次检查：{when}</translation>
    </message>
    <message>
        <source>Set the AppSecret (Token ▸ Set AppSecret…) or set TCB_APP_SECRET.</source>
        <translation>请设置 AppSecret（令牌 ▸ 设置 AppSecret…），或设置环境变量 TCB_APP_SECRET。</translation>
    </message>
    <message>
        <source>Set a token (Token ▸ Set token…) or set TCB_ACCESS_TOKEN.</source>
        <translation>请设置令牌（令牌 ▸ 设置令牌…），或设置环境变量 TCB_ACCESS_TOKEN。</translation>
    </message>
    <message>
        <source>Press F5 to check again.</source>
        <translation>按 F5 重新检查。</translation>
    </message>
</context>
<context>
    <name>TokenPanel</name>
    <message>
        <source>&amp;Profile</source>
        <translation>配置(&amp;P)</translation>
    </message>
    <message>
        <source>Which account set-up (API, base URL) to use</source>
        <translation>使用哪套账号设置（接口类型、服务地址）</translation>
    </message>
    <message>
        <source>Edit or add profiles</source>
        <translation>编辑或添加配置</translation>
    </message>
    <message>
        <source>Edit profile…</source>
        <translation>编辑配置…</translation>
    </message>
    <message>
        <source>New profile…</source>
        <translation>新建配置…</translation>
    </message>
    <message>
        <source>Set token…</source>
        <translation>设置令牌…</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Check the token with the service (F5)</source>
        <translation>向服务检查令牌（F5）</translation>
    </message>
    <message>
        <source>Clear token</source>
        <translation>清除令牌</translation>
    </message>
    <message>
        <source>Forget the saved token of this profile</source>
        <translation>清除此配置已保存的令牌</translation>
    </message>
    <message>
        <source>Demo service</source>
        <translation>演示服务</translation>
    </message>
    <message>
        <source>(from the command line)</source>
        <translation>（来自命令行）</translation>
    </message>
    <message>
        <source>Set AppSecret…</source>
        <translation>设置 AppSecret…</translation>
    </message>
    <message>
        <source>Save the mini program&apos;s AppSecret; the app gets its tokens with it</source>
        <translation>保存小程序的 AppSecret，应用将用它获取令牌</translation>
    </message>
    <message>
        <source>Clear AppSecret</source>
        <translation>清除 AppSecret</translation>
    </message>
    <message>
        <source>Forget the saved AppSecret of this profile</source>
        <translation>清除此配置已保存的 AppSecret</translation>
    </message>
    <message>
        <source>Get a token with the AppSecret and check it (F5)</source>
        <translation>用 AppSecret 获取令牌并检查（F5）</translation>
    </message>
    <message>
        <source>Paste the access token of this profile</source>
        <translation>粘贴此配置的 access_token</translation>
    </message>
</context>
<context>
    <name>TokenPresenter</name>
    <message>
        <source>Profile “{name}” was not saved: another window or the command line added “{other}”, a name that reads the same. Add yours again under another name.</source>
        <translation>配置“{name}”未保存：另一个窗口或命令行已添加名称相同（不计大小写）的“{other}”。请用其他名称重新添加你的配置。</translation>
    </message>
    <message>
        <source>A profile named “{other}” was added in another window or on the command line, so “{name}” cannot be saved: this window uses it until you switch profiles or close it. Rename it in Settings to keep it.</source>
        <translation>另一个窗口或命令行已添加名为“{other}”的配置，因此“{name}”无法保存：在你切换配置或关闭本窗口之前，本窗口仍会使用它。要保留它，请在设置中重命名。</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Set token…</source>
        <translation>设置令牌…</translation>
    </message>
    <message>
        <source>Check connection…</source>
        <translation>检查连接…</translation>
    </message>
    <message>
        <source>No token is set for this profile.</source>
        <translation>此配置尚未设置令牌。</translation>
    </message>
    <message>
        <source>Asking the service…</source>
        <translation>正在向服务查询…</translation>
    </message>
    <message>
        <source>Token kept for this session only (no keyring): profile “{name}”.</source>
        <translation>令牌仅在本次会话中保留（没有密钥环）：配置“{name}”。</translation>
    </message>
    <message>
        <source>Token saved in the keyring for profile “{name}”.</source>
        <translation>已将配置“{name}”的令牌存入密钥环。</translation>
    </message>
    <message>
        <source>Token kept for this demo session.</source>
        <translation>令牌仅在本次演示会话中保留。</translation>
    </message>
    <message>
        <source>The demo token cannot be cleared; switch profiles instead.</source>
        <translation>演示令牌无法清除；请改为切换配置。</translation>
    </message>
    <message>
        <source>Token cleared for profile “{name}”: this window no longer uses TCB_ACCESS_TOKEN for it (until TCB Links is started again).</source>
        <translation>已清除配置“{name}”的令牌：在 TCB Links 重新启动之前，此窗口不再为该配置使用 TCB_ACCESS_TOKEN。</translation>
    </message>
    <message>
        <source>Token cleared for profile “{name}”.</source>
        <translation>已清除配置“{name}”的令牌。</translation>
    </message>
    <message>
        <source>A profile named “{name}” was added in another window or on the command line; nothing was saved. Add yours under another name.</source>
        <translation>另一个窗口或命令行已添加名为“{name}”的配置；未保存任何内容。请用其他名称添加你的配置。</translation>
    </message>
    <message>
        <source>Demo mode: a local stand-in of the service at {url}, with a demo token for this session. Press Ctrl+Return to resolve.</source>
        <translation>演示模式：本地模拟服务运行于 {url}，本次会话使用演示令牌。按 Ctrl+Return 开始解析。</translation>
    </message>
    <message>
        <source>demo samples</source>
        <translation>演示样例</translation>
    </message>
</context>
<context>
    <name>WindowAccessibility</name>
    <message>
        <source>Filter rows</source>
        <translation>筛选行</translation>
    </message>
    <message>
        <source>Shows only rows whose ID, link or message contains this text (Ctrl+F)</source>
        <translation>只显示 ID、链接或消息中包含此文本的行（Ctrl+F）</translation>
    </message>
    <message>
        <source>Show rows by status</source>
        <translation>按状态显示行</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>One row per cloud file ID: its status, expiry and link. Enter opens the current row&apos;s link (or shows why it has none), Space copies it, Shift+F10 opens the row menu; Ctrl+C copies the selected links.</source>
        <translation>每个云文件 ID 一行：状态、有效期和临时下载链接。Enter 打开当前行的链接（没有链接时显示原因），空格键复制链接，Shift+F10 打开行菜单；Ctrl+C 复制选中行的链接。</translation>
    </message>
    <message>
        <source>Resolve progress</source>
        <translation>解析进度</translation>
    </message>
    <message>
        <source>Counts</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>Status message</source>
        <translation>状态消息</translation>
    </message>
    <message>
        <source>Profile actions</source>
        <translation>配置操作</translation>
    </message>
    <message>
        <source>API and service address</source>
        <translation>接口类型与服务地址</translation>
    </message>
</context>
</TS>
