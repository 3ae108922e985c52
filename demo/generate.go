package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"poscare"
	"poscare/sqlstore"
)

// Generator makes valid demo records from a random source, without touching
// a store. Merchant numbers, USCCs, mobile numbers, terminal serial numbers
// and terminal IDs come from sequences, so one Generator never hands out the
// same one twice, however many calls it serves: a benchmark that needs a
// million merchants can ask for them in slices from the same Generator.
type Generator struct {
	r        *rand.Rand
	phones   sequence       // the 8 digits after a mobile number's prefix
	orgCodes sequence       // the organisation code inside a USCC
	serials  sequence       // the 10 digits after a serial number's vendor prefix
	tids     sequence       // terminal IDs
	mids     map[string]int // merchant numbers handed out per region and MCC
}

// NewGenerator returns a Generator drawing from r. The same r (same seed)
// gives the same records.
func NewGenerator(r *rand.Rand) *Generator {
	return &Generator{
		r:        r,
		phones:   newSequence(r, 100_000_000),
		orgCodes: newSequence(r, 100_000_000),
		serials:  newSequence(r, 10_000_000_000),
		tids:     newSequence(r, 100_000_000),
		mids:     map[string]int{},
	}
}

// Merchants generates n valid merchants with contacts for the given
// team/manager assignment (used by benchmarks that need 100k-1M rows): it
// must not touch the store. assign(i) gives the i-th merchant's team,
// account manager and backup manager. Identifiers are unique within one
// call; to generate in several calls, use one Generator.
func Merchants(r *rand.Rand, n int, assign func(i int) (teamID, managerID int64, backupID *int64)) []*sqlstore.MerchantImport {
	return NewGenerator(r).Merchants(n, assign)
}

// Merchants generates n valid merchants with their contacts, in the status
// mix of a provider's book: 70 % active, 5 % suspended, 5 % terminated, 8 %
// prospects and 12 % in onboarding; about 40 % micro-merchants, 40 %
// individual businesses and 20 % enterprises.
func (g *Generator) Merchants(n int, assign func(i int) (teamID, managerID int64, backupID *int64)) []*sqlstore.MerchantImport {
	statuses := g.statusMix(n)
	out := make([]*sqlstore.MerchantImport, n)
	for i := range n {
		teamID, managerID, backupID := assign(i)
		if backupID != nil {
			b := *backupID // each merchant gets its own copy
			backupID = &b
		}
		out[i] = g.merchant(statuses[i], teamID, managerID, backupID)
	}
	return out
}

// statusMix returns n merchant statuses in exact proportions, shuffled.
func (g *Generator) statusMix(n int) []poscare.MerchantStatus {
	out := make([]poscare.MerchantStatus, 0, n)
	for _, q := range []struct {
		status  poscare.MerchantStatus
		percent int
	}{
		{poscare.MerchantProspect, 8},
		{poscare.MerchantOnboarding, 12},
		{poscare.MerchantSuspended, 5},
		{poscare.MerchantTerminated, 5},
	} {
		for range n * q.percent / 100 {
			out = append(out, q.status)
		}
	}
	for len(out) < n {
		out = append(out, poscare.MerchantActive)
	}
	g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// merchant makes one merchant of a random type in a random city, with 1-3
// contacts.
func (g *Generator) merchant(status poscare.MerchantStatus, teamID, managerID int64, backupID *int64) *sqlstore.MerchantImport {
	c := pick(g.r, cities)
	d := pick(g.r, c.Districts)
	road := pick(g.r, d.Roads)
	owner := g.person()
	m := &poscare.Merchant{
		PrincipalName:    owner.Name,
		Status:           status,
		TeamID:           teamID,
		AccountManagerID: managerID,
		BackupManagerID:  backupID,
		Latitude:         g.near(c.Lat),
		Longitude:        g.near(c.Lng),
	}
	switch k := g.r.IntN(10); {
	case k < 4:
		t := pick(g.r, microTrades)
		m.Type, m.MCC = poscare.MerchantMicro, t.MCC
		m.LegalName = g.microName(d, road, owner, t)
		m.SettlementKind, m.SettlementAccount = poscare.SettlePersonalCard, g.bankCard()
		m.Address = address(c, d, road, g.r.IntN(300)+1, "")
	case k < 8:
		t := pick(g.r, individualTrades)
		m.Type, m.MCC = poscare.MerchantIndividual, t.MCC
		m.LegalName = c.Name + d.Name + g.shopBrand(owner) + t.Word
		m.USCC = g.uscc('9', '2', d.Code) // 工商, 个体工商户
		m.SettlementKind, m.SettlementAccount = poscare.SettlePersonalCard, g.bankCard()
		m.Address = address(c, d, road, g.r.IntN(500)+1, "")
	case g.r.IntN(8) == 0:
		// A public hospital or school: an institution (事业单位) registered
		// by the 机构编制 department, category 2.
		t := pick(g.r, publicTrades)
		m.Type, m.MCC = poscare.MerchantEnterprise, t.MCC
		m.LegalName = c.Name + d.Name + strings.Replace(t.Word, "%s", pick(g.r, chineseNumbers), 1)
		m.USCC = g.uscc('1', '2', d.Code)
		m.SettlementKind, m.SettlementAccount = poscare.SettleCorporate, g.corporateAccount()
		m.Address = address(c, d, road, g.r.IntN(500)+1, "")
	default:
		t := pick(g.r, enterpriseTrades)
		m.Type, m.MCC = poscare.MerchantEnterprise, t.MCC
		brand := pick(g.r, brands)
		if g.r.IntN(3) == 0 {
			m.LegalName = brand + "（" + c.Short + "）" + t.Word
		} else {
			m.LegalName = c.Short + brand + t.Word
		}
		m.USCC = g.uscc('9', '1', d.Code) // 工商, 企业
		m.SettlementKind, m.SettlementAccount = poscare.SettleCorporate, g.corporateAccount()
		m.Address = address(c, d, road, g.r.IntN(800)+1, g.suite())
	}
	m.FeeCategory = feeCategory(m.MCC)
	birthplace := d.Code
	if g.r.IntN(5) < 2 {
		birthplace = pick(g.r, hometowns)
	}
	m.PrincipalIDNumber = g.idNumber(birthplace)
	if status == poscare.MerchantActive || status == poscare.MerchantSuspended || status == poscare.MerchantTerminated {
		m.MID = g.mid(c, m.MCC) // a terminated merchant keeps the number it had
	}
	return &sqlstore.MerchantImport{Merchant: m, Contacts: g.contacts(m.Type, owner, c)}
}

// contacts makes 1-3 contacts: the owner of a shop, or the store manager of
// an enterprise, then others.
func (g *Generator) contacts(t poscare.MerchantType, owner person, c city) []*poscare.Contact {
	first := &poscare.Contact{Name: owner.Name, Role: "owner"}
	p := owner
	if t == poscare.MerchantEnterprise {
		p = g.person()
		first = &poscare.Contact{Name: p.Name, Role: "manager"}
	}
	first.Channels = g.channels(p, t, c)
	out := []*poscare.Contact{first}
	n := 1 + g.r.IntN(3)
	if t == poscare.MerchantMicro {
		n = 1 + g.r.IntN(2)
	}
	others := []string{"manager", "finance", "cashier", "other"}
	for len(out) < n {
		p := g.person()
		out = append(out, &poscare.Contact{Name: p.Name, Role: pick(g.r, others), Channels: g.channels(p, t, c)})
	}
	for _, ct := range out {
		if len(ct.Channels) > 1 && ct.Channels[1].Kind == poscare.ChannelWeChat && g.r.IntN(2) == 0 {
			ct.PreferredChannel = poscare.ChannelWeChat
		}
	}
	return out
}

// channels gives a person a mobile number and sometimes a WeChat ID, an
// e-mail address or (for enterprises) an office landline: 1-3 in all.
func (g *Generator) channels(p person, t poscare.MerchantType, c city) []poscare.Channel {
	out := []poscare.Channel{{Kind: poscare.ChannelPhone, Value: g.mobile()}}
	if g.r.IntN(10) < 4 {
		out = append(out, poscare.Channel{Kind: poscare.ChannelWeChat, Value: g.wechatID(p)})
	}
	emailChance := 2
	if t == poscare.MerchantEnterprise {
		emailChance = 5
		if len(out) < 3 && g.r.IntN(10) < 3 {
			out = append(out, poscare.Channel{Kind: poscare.ChannelPhone, Value: g.landline(c)})
		}
	}
	if len(out) < 3 && g.r.IntN(10) < emailChance {
		out = append(out, poscare.Channel{Kind: poscare.ChannelEmail, Value: g.email(p)})
	}
	return out
}

// person is a Chinese name with its pinyin.
type person struct {
	Name, Pinyin string
	Surname      syllable
}

func (g *Generator) person() person {
	s, n := pick(g.r, surnames), pick(g.r, givenNames)
	return person{Name: s.Han + n.Han, Pinyin: s.Pinyin + n.Pinyin, Surname: s}
}

// microName names a stall or small shop the way people call it:
// 锦江区张记早餐店, 春熙路老李面馆, 武侯区王姐水果店.
func (g *Generator) microName(d district, road string, owner person, t trade) string {
	switch g.r.IntN(3) {
	case 0:
		return d.Name + owner.Surname.Han + "记" + t.Word
	case 1:
		return road + "老" + owner.Surname.Han + t.Word
	default:
		return d.Name + owner.Surname.Han + pick(g.r, nicknames) + t.Word
	}
}

// shopBrand is an individual business's trade name: 老王, 王记 or a word.
func (g *Generator) shopBrand(owner person) string {
	switch g.r.IntN(4) {
	case 0:
		return "老" + owner.Surname.Han
	case 1:
		return owner.Surname.Han + "记"
	default:
		return pick(g.r, brands)
	}
}

// address writes a full postal address: 四川省成都市锦江区春熙路12号.
func address(c city, d district, road string, number int, suite string) string {
	return fmt.Sprintf("%s%s%s%s%d号%s", c.Province, c.Name, d.Name, road, number, suite)
}

// suite is the floor or room of an office or a mall shop.
func (g *Generator) suite() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("%c座%d层", 'A'+rune(g.r.IntN(3)), 1+g.r.IntN(30))
	case 1:
		return fmt.Sprintf("%d层%d室", 1+g.r.IntN(20), 1+g.r.IntN(20))
	case 2:
		return fmt.Sprintf("1层%d号铺", 101+g.r.IntN(60))
	}
	return ""
}

// near places a coordinate within about 8 km of a city centre, to 6
// decimals as a phone reports it.
func (g *Generator) near(centre float64) float64 {
	return math.Round((centre+(g.r.Float64()-0.5)*0.16)*1e6) / 1e6
}

// feeCategory is the card-fee class of an MCC: supermarkets and fuel are
// discounted (优惠类), public hospitals and schools public-welfare (公益类).
func feeCategory(mcc string) poscare.FeeCategory {
	switch mcc {
	case "5411", "5541":
		return poscare.FeeDiscounted
	case "8062", "8211":
		return poscare.FeePublicWelfare
	}
	return poscare.FeeStandard
}

// mobile is a mobile number nobody else in the demo has.
func (g *Generator) mobile() string {
	return pick(g.r, mobilePrefixes) + fmt.Sprintf("%08d", g.phones.take())
}

// landline is an office number with the city's area code: 028-86123456.
func (g *Generator) landline(c city) string {
	return fmt.Sprintf("%s-%d%07d", c.AreaCode, 2+g.r.IntN(7), g.r.IntN(10_000_000))
}

// email is a private address such as zhangwei88@163.com.
func (g *Generator) email(p person) string {
	return fmt.Sprintf("%s%d@%s", p.Pinyin, 10+g.r.IntN(990), pick(g.r, mailDomains))
}

// wechatID is a WeChat ID such as zhangwei_1988: 6-20 characters starting
// with a letter.
func (g *Generator) wechatID(p person) string {
	id := fmt.Sprintf("%s_%d", p.Pinyin, 1960+g.r.IntN(45))
	if g.r.IntN(2) == 0 {
		id = fmt.Sprintf("%s%03d", p.Pinyin, g.r.IntN(1000))
	}
	if len(id) > 20 {
		id = id[:20]
	}
	return id
}

// idNumber is a resident ID number (GB 11643) of someone born in region
// between 1962 and 2001.
func (g *Generator) idNumber(region string) string {
	y, m := 1962+g.r.IntN(40), 1+g.r.IntN(12)
	d := 1 + g.r.IntN(28)
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", region, y, m, d, g.r.IntN(1000))
	check, _ := poscare.ResidentIDCheckChar(first17)
	return first17 + string(check)
}

// bankCard is a 19-digit UnionPay debit card number with its Luhn digit.
func (g *Generator) bankCard() string {
	payload := pick(g.r, cardBINs) + digits(g.r, 12)
	check, _ := poscare.LuhnCheckDigit(payload)
	return payload + string(check)
}

// corporateAccount is a company's settlement account (对公账户): 12, 17, 19
// or 20 digits depending on the bank, without a check digit.
func (g *Generator) corporateAccount() string {
	n := pick(g.r, []int{12, 17, 19, 20})
	return fmt.Sprint(1+g.r.IntN(9)) + digits(g.r, n-1)
}

// uscc builds a unified social credit code (GB 32100): registration
// department, category, the 6-digit region where it was registered, a
// 9-character organisation code with its GB 11714 check character, and the
// GB 32100 check character.
func (g *Generator) uscc(department, category byte, region string) string {
	first17 := string([]byte{department, category}) + region + g.orgCode()
	check, _ := poscare.USCCCheckChar(first17)
	return first17 + string(check)
}

// usccAlphabet is the GB 32100 character set (no I, O, S, V, Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// orgCode is an organisation code: 8 digits as issued before 2015, or
// "MA" and 6 characters as issued since, then the GB 11714 check character.
func (g *Generator) orgCode() string {
	v := g.orgCodes.take()
	var body string
	if g.r.IntN(3) == 0 {
		body = fmt.Sprintf("%08d", v)
	} else {
		b := []byte("MA000000")
		for i := 7; i >= 2; i-- {
			b[i] = usccAlphabet[v%31]
			v /= 31
		}
		body = string(b)
	}
	return body + string(gb11714Check(body))
}

// gb11714Check is the check character of an 8-character organisation code
// body: 11 - (weighted sum mod 11), with 10 written 'X' and 11 as '0'.
func gb11714Check(body string) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 8 {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// mid is a merchant number: the 3-digit acquirer code, the city's UnionPay
// region code, the MCC and a 4-digit serial. When a region and MCC run out
// of serials the next acquirer code takes over, so numbers never repeat.
func (g *Generator) mid(c city, mcc string) string {
	key := c.UnionPay + mcc
	n := g.mids[key]
	g.mids[key]++
	return fmt.Sprintf("%03d%s%s%04d", 102+n/9999, c.UnionPay, mcc, n%9999+1)
}

// terminalModel picks a terminal model by the provider's purchase mix.
func (g *Generator) terminalModel() terminalModel {
	total := 0
	for _, m := range terminalModels {
		total += m.Weight
	}
	k := g.r.IntN(total)
	for _, m := range terminalModels {
		if k < m.Weight {
			return m
		}
		k -= m.Weight
	}
	return terminalModels[0]
}

// serial is a terminal serial number: vendor prefix and 10 digits.
func (g *Generator) serial(m terminalModel) string {
	return m.SerialPrefix + fmt.Sprintf("%010d", g.serials.take())
}

// tid is an 8-digit terminal ID.
func (g *Generator) tid() string {
	return fmt.Sprintf("%08d", g.tids.take())
}

// sequence hands out each number below size once, in an order that looks
// random: n → n·spread mod size is one-to-one because spread shares no
// factor with size (a power of 10).
type sequence struct{ next, size int64 }

const spread = 7_919_337

func newSequence(r *rand.Rand, size int64) sequence {
	return sequence{next: r.Int64N(size), size: size}
}

func (q *sequence) take() int64 {
	v := q.next * spread % q.size
	q.next = (q.next + 1) % q.size
	return v
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// digits is n random decimal digits.
func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}
