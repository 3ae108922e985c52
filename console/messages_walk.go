package console

import "poscare"

// Words of the terminal pages that name things for a person rather than
// by their stored field names.
var _ = poscare.Register(map[string]poscare.Text{
	"wk.merchant_no":      {Zh: "商户编号", En: "Merchant number"},
	"wk.merchant_no.hint": {Zh: "商户页面地址中的数字；库存终端留空", En: "The number in the merchant page's address; leave it empty for a terminal in stock"},
})
