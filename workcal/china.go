package workcal

import (
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"poscare"
)

// China is mainland China's public holidays and 调休 make-up working days
// as the State Council publishes them each year, from the holiday table
// of github.com/6tail/lunar-go (kept current by its maintainer; a new
// year arrives with a new version of the module). An administrator's
// override decides a day the table has wrong or does not have yet.
func China() Source { return chinaSource{} }

type chinaSource struct{}

func (chinaSource) Rule(d Date) (DayRule, bool) {
	h := HolidayUtil.GetHolidayByYmd(d.Year, int(d.Month), d.Day)
	if h == nil {
		return DayRule{}, false
	}
	return DayRule{Working: h.IsWork(), Name: h.GetName()}, true
}

var chinaYears = sync.OnceValues(func() (int, int) {
	first, last := 0, 0
	for y := 1990; y <= time.Now().Year()+5; y++ {
		if HolidayUtil.GetHolidaysByYear(y).Len() > 0 {
			if first == 0 {
				first = y
			}
			last = y
		}
	}
	return first, last
})

func (chinaSource) Years() (int, int) { return chinaYears() }

// holidayKeys name the source's holidays in the catalog.
var holidayKeys = map[string]string{
	"元旦节":   "holiday.new_year",
	"春节":    "holiday.spring_festival",
	"清明节":   "holiday.qingming",
	"劳动节":   "holiday.labour_day",
	"端午节":   "holiday.dragon_boat",
	"中秋节":   "holiday.mid_autumn",
	"国庆节":   "holiday.national_day",
	"国庆中秋":  "holiday.national_mid_autumn",
	"抗战胜利日": "holiday.victory_day",
}

// HolidayName is a holiday's name as a message, in either language; a
// name the catalog does not know is kept as the source wrote it.
func HolidayName(name string) poscare.Msg {
	if key, ok := holidayKeys[name]; ok {
		return poscare.M(key)
	}
	if name == "" {
		return poscare.Msg{}
	}
	return poscare.Recorded(poscare.Text{Zh: name, En: name})
}

var _ = poscare.Register(map[string]poscare.Text{
	"holiday.new_year":            {Zh: "元旦", En: "New Year's Day"},
	"holiday.spring_festival":     {Zh: "春节", En: "Spring Festival"},
	"holiday.qingming":            {Zh: "清明节", En: "Qingming Festival"},
	"holiday.labour_day":          {Zh: "劳动节", En: "Labour Day"},
	"holiday.dragon_boat":         {Zh: "端午节", En: "Dragon Boat Festival"},
	"holiday.mid_autumn":          {Zh: "中秋节", En: "Mid-Autumn Festival"},
	"holiday.national_day":        {Zh: "国庆节", En: "National Day"},
	"holiday.national_mid_autumn": {Zh: "国庆节、中秋节", En: "National Day and Mid-Autumn Festival"},
	"holiday.victory_day":         {Zh: "抗战胜利纪念日", En: "Victory Day"},
})
