package poscare

import (
	"time"
)

// RateE5 is a fee rate in units of 0.001 % (one hundred-thousandth), so
// 0.60 % is 600 and the 0.065 % network fee is 65, all in integers.
type RateE5 int64

// FeeSchedule is the merchant discount rate (商户手续费) a contract sets.
// UnionPay QR (云闪付) is charged at the credit rate and has no field.
type FeeSchedule struct {
	Credit      RateE5 `json:"credit_rate_e5"`
	Debit       RateE5 `json:"debit_rate_e5"`
	DebitCapFen int64  `json:"debit_cap_fen"`
	QR          RateE5 `json:"qr_rate_e5"` // WeChat Pay, Alipay
}

// PaymentMethod is how a card payment was made, which decides its rate.
type PaymentMethod string

// Payment methods.
const (
	PayCredit     PaymentMethod = "credit"
	PayDebit      PaymentMethod = "debit"
	PayQR         PaymentMethod = "qr"
	PayUnionPayQR PaymentMethod = "unionpay_qr"
)

// DefaultFees returns the schedule of PRODUCT.md for a fee category.
func DefaultFees(c FeeCategory) FeeSchedule {
	switch c {
	case FeeDiscounted:
		return FeeSchedule{Credit: 380, Debit: 500, DebitCapFen: 2500, QR: 380}
	case FeePublicWelfare:
		return FeeSchedule{}
	default:
		return FeeSchedule{Credit: 600, Debit: 500, DebitCapFen: 2500, QR: 380}
	}
}

// Fee computes the fee in fen for one transaction: the rate applied once,
// rounded half up to the fen, and the debit cap applied after rounding.
func (f FeeSchedule) Fee(amountFen int64, m PaymentMethod) int64 {
	var r RateE5
	switch m {
	case PayCredit, PayUnionPayQR:
		r = f.Credit
	case PayDebit:
		r = f.Debit
	case PayQR:
		r = f.QR
	}
	fee := (amountFen*int64(r) + 50_000) / 100_000
	if m == PayDebit && f.DebitCapFen > 0 && fee > f.DebitCapFen {
		fee = f.DebitCapFen
	}
	return fee
}

// Contract is the agreement with a merchant: its term, the deposit (押金)
// for the terminals, the monthly fees and the card fee schedule.
type Contract struct {
	ID                 int64       `json:"id"`
	MerchantID         int64       `json:"merchant_id"`
	StartsOn           Date        `json:"starts_on"`
	EndsOn             Date        `json:"ends_on"`
	DepositFen         int64       `json:"deposit_fen"`
	MonthlyCommFeeFen  int64       `json:"monthly_comm_fee_fen"`
	MonthlyMaintFeeFen int64       `json:"monthly_maint_fee_fen"`
	Fees               FeeSchedule `json:"fees"`
	CreatedAt          time.Time   `json:"created_at"`
	UpdatedAt          time.Time   `json:"updated_at"`
	Archived           *Archival   `json:"archived,omitempty"`
}

// maxRate is the highest rate poscare accepts: 5 %, far above any real one.
const maxRate RateE5 = 5000

// Validate checks the contract's term, money and rates.
func (c *Contract) Validate() error {
	p := Problems{}
	if c.MerchantID == 0 {
		p.Add("merchant_id", "必填", "required")
	}
	s, okS := ParseDate(string(c.StartsOn))
	e, okE := ParseDate(string(c.EndsOn))
	if !okS {
		p.Add("starts_on", "应为 YYYY-MM-DD 日期", "must be a YYYY-MM-DD date")
	}
	if !okE {
		p.Add("ends_on", "应为 YYYY-MM-DD 日期", "must be a YYYY-MM-DD date")
	}
	if okS && okE && !e.Time().After(s.Time()) {
		p.Add("ends_on", "必须晚于起始日", "must be after the start date")
	}
	money := []struct {
		field string
		v     int64
	}{{"deposit_fen", c.DepositFen}, {"monthly_comm_fee_fen", c.MonthlyCommFeeFen}, {"monthly_maint_fee_fen", c.MonthlyMaintFeeFen}}
	for _, m := range money {
		if m.v < 0 || m.v > 100_000_00 {
			p.Add(m.field, "应为0至10万元之间的整数分", "must be whole fen between 0 and 100,000 CNY")
		}
	}
	for _, r := range []RateE5{c.Fees.Credit, c.Fees.Debit, c.Fees.QR} {
		if r < 0 || r > maxRate {
			p.Add("fees", "费率应在0至5%之间", "rates must be between 0 and 5 %")
			break
		}
	}
	if c.Fees.DebitCapFen < 0 {
		p.Add("fees", "借记卡封顶不能为负", "debit cap cannot be negative")
	}
	return p.Err()
}

// Warnings returns the risk signs of a fee schedule for a merchant's
// category. A credit rate below 0.50 % (below the category default where
// that is lower) for a merchant that is not public-welfare is a sign of
// 二清 (unlicensed secondary clearing) or 跳码 (MCC code-jumping).
func (c *Contract) Warnings(cat FeeCategory) []Text {
	if cat == FeePublicWelfare {
		return nil
	}
	floor := RateE5(500)
	if d := DefaultFees(cat).Credit; d < floor {
		floor = d
	}
	if c.Fees.Credit < floor {
		return []Text{{
			Zh: "信用卡费率低于正常下限，存在二清或跳码风险",
			En: "credit rate below the normal floor: possible secondary clearing (二清) or MCC code-jumping (跳码)",
		}}
	}
	return nil
}

// ContractFilter selects contracts in a list.
type ContractFilter struct {
	MerchantID *int64
	Archived   bool
	Page
}
