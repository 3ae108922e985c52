package demo

// The word lists the demo data is built from: people's names, cities with
// their real districts, roads and codes, the trades merchants run, and the
// POS terminals the provider buys. They are chosen so that generated names
// vary enough to make the merchant search worth trying.

// syllable is a Chinese name part with the pinyin used for e-mail addresses
// and WeChat IDs.
type syllable struct{ Han, Pinyin string }

// surnames are the most common Chinese family names.
var surnames = []syllable{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"},
	{"杨", "yang"}, {"黄", "huang"}, {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"},
	{"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"},
	{"郭", "guo"}, {"何", "he"}, {"高", "gao"}, {"林", "lin"}, {"罗", "luo"},
	{"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"},
	{"许", "xu"}, {"韩", "han"}, {"冯", "feng"}, {"邓", "deng"}, {"曹", "cao"},
	{"彭", "peng"}, {"曾", "zeng"}, {"肖", "xiao"}, {"田", "tian"}, {"董", "dong"},
	{"袁", "yuan"}, {"潘", "pan"}, {"于", "yu"}, {"蒋", "jiang"}, {"蔡", "cai"},
	{"余", "yu"}, {"杜", "du"}, {"叶", "ye"}, {"程", "cheng"}, {"魏", "wei"},
	{"苏", "su"}, {"吕", "lv"}, {"丁", "ding"}, {"任", "ren"}, {"沈", "shen"},
}

// givenNames are common given names, one or two characters.
var givenNames = []syllable{
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"},
	{"丽", "li"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"洋", "yang"},
	{"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"娟", "juan"}, {"涛", "tao"},
	{"明", "ming"}, {"超", "chao"}, {"霞", "xia"}, {"平", "ping"}, {"刚", "gang"},
	{"秀英", "xiuying"}, {"桂英", "guiying"}, {"建华", "jianhua"}, {"志强", "zhiqiang"},
	{"海燕", "haiyan"}, {"晓东", "xiaodong"}, {"文博", "wenbo"}, {"子涵", "zihan"},
	{"浩然", "haoran"}, {"欣怡", "xinyi"}, {"俊杰", "junjie"}, {"雨婷", "yuting"},
	{"国强", "guoqiang"}, {"丽华", "lihua"}, {"建国", "jianguo"}, {"红梅", "hongmei"},
	{"志刚", "zhigang"}, {"淑珍", "shuzhen"}, {"家豪", "jiahao"}, {"思远", "siyuan"},
	{"晓燕", "xiaoyan"}, {"德明", "deming"}, {"玉兰", "yulan"}, {"成龙", "chenglong"},
	{"佳怡", "jiayi"}, {"宇航", "yuhang"}, {"春生", "chunsheng"}, {"金凤", "jinfeng"},
}

// nicknames follow a surname in how small shops are called: 王姐, 李哥.
var nicknames = []string{"姐", "哥", "叔", "嫂", "妹"}

// district is a city district with its GB/T 2260 code, which starts the
// USCCs registered there and the ID numbers of people born there, and some
// of its shopping streets.
type district struct {
	Name, Code string
	Roads      []string
}

// city is where merchants trade. UnionPay is the 4-digit region code that
// UnionPay acquirers put into merchant numbers; AreaCode is the landline
// prefix; Lat and Lng are the city centre.
type city struct {
	Province  string // "" for the municipalities
	Name      string // 成都市
	Short     string // 成都
	AreaCode  string
	UnionPay  string
	Lat, Lng  float64
	Districts []district
}

var cities = []city{
	{"", "北京市", "北京", "010", "1000", 39.9042, 116.4074, []district{
		{"东城区", "110101", []string{"王府井大街", "东单北大街", "东直门内大街", "雍和宫大街"}},
		{"西城区", "110102", []string{"西单北大街", "金融大街", "德胜门内大街", "新街口南大街"}},
		{"朝阳区", "110105", []string{"建国路", "三里屯路", "朝阳北路", "望京街"}},
		{"丰台区", "110106", []string{"丰台北路", "丰台南路", "马家堡东路", "南三环西路"}},
		{"海淀区", "110108", []string{"中关村大街", "学院路", "知春路", "成府路"}},
	}},
	{"", "上海市", "上海", "021", "2900", 31.2304, 121.4737, []district{
		{"黄浦区", "310101", []string{"南京东路", "淮海中路", "西藏南路", "河南中路"}},
		{"徐汇区", "310104", []string{"衡山路", "漕溪北路", "肇嘉浜路", "天钥桥路"}},
		{"长宁区", "310105", []string{"虹桥路", "延安西路", "天山路", "仙霞路"}},
		{"静安区", "310106", []string{"南京西路", "常德路", "江宁路", "共和新路"}},
		{"闵行区", "310112", []string{"莘松路", "七莘路", "都市路", "沪闵路"}},
		{"浦东新区", "310115", []string{"世纪大道", "张杨路", "陆家嘴环路", "川沙路"}},
	}},
	{"广东省", "广州市", "广州", "020", "5810", 23.1291, 113.2644, []district{
		{"越秀区", "440104", []string{"北京路", "中山五路", "环市东路", "东风中路"}},
		{"海珠区", "440105", []string{"江南大道中", "新港中路", "工业大道", "宝岗大道"}},
		{"天河区", "440106", []string{"天河路", "体育西路", "天河北路", "花城大道"}},
		{"白云区", "440111", []string{"白云大道北", "机场路", "广园中路", "同和路"}},
		{"番禺区", "440113", []string{"清河东路", "番禺大道", "大北路", "桥南路"}},
	}},
	{"广东省", "深圳市", "深圳", "0755", "5840", 22.5431, 114.0579, []district{
		{"罗湖区", "440303", []string{"东门中路", "人民南路", "深南东路", "建设路"}},
		{"福田区", "440304", []string{"华强北路", "深南中路", "福华路", "泰然九路"}},
		{"南山区", "440305", []string{"南山大道", "科苑路", "南海大道", "后海大道"}},
		{"宝安区", "440306", []string{"宝安大道", "新安六路", "西乡大道", "建安一路"}},
		{"龙岗区", "440307", []string{"龙岗大道", "龙城大道", "布吉路", "坂雪岗大道"}},
	}},
	{"四川省", "成都市", "成都", "028", "6510", 30.5728, 104.0668, []district{
		{"锦江区", "510104", []string{"春熙路", "红星路", "东大街", "总府路"}},
		{"青羊区", "510105", []string{"长顺上街", "人民中路", "金河路", "光华村街"}},
		{"金牛区", "510106", []string{"金府路", "一环路北一段", "蜀汉路", "沙湾路"}},
		{"武侯区", "510107", []string{"人民南路", "玉林路", "科华北路", "武侯祠大街"}},
		{"成华区", "510108", []string{"建设路", "二环路东二段", "万年路", "府青路"}},
	}},
	{"浙江省", "杭州市", "杭州", "0571", "3310", 30.2741, 120.1551, []district{
		{"上城区", "330102", []string{"延安路", "解放路", "清泰街", "河坊街"}},
		{"拱墅区", "330105", []string{"湖墅南路", "莫干山路", "大关路", "上塘路"}},
		{"西湖区", "330106", []string{"文三路", "教工路", "天目山路", "古墩路"}},
		{"滨江区", "330108", []string{"江南大道", "滨盛路", "长河路", "网商路"}},
		{"萧山区", "330109", []string{"市心路", "人民路", "金城路", "北干路"}},
	}},
	{"湖北省", "武汉市", "武汉", "027", "5210", 30.5928, 114.3055, []district{
		{"江岸区", "420102", []string{"解放大道", "中山大道", "沿江大道", "二七路"}},
		{"江汉区", "420103", []string{"江汉路", "新华路", "青年路", "唐家墩路"}},
		{"武昌区", "420106", []string{"中南路", "武珞路", "中山路", "徐东大街"}},
		{"洪山区", "420111", []string{"珞喻路", "鲁磨路", "雄楚大道", "关山大道"}},
	}},
	{"陕西省", "西安市", "西安", "029", "7910", 34.3416, 108.9398, []district{
		{"新城区", "610102", []string{"解放路", "长乐西路", "东新街", "西五路"}},
		{"碑林区", "610103", []string{"东大街", "南大街", "友谊西路", "和平路"}},
		{"莲湖区", "610104", []string{"西大街", "北大街", "劳动路", "大庆路"}},
		{"未央区", "610112", []string{"未央路", "凤城五路", "文景路", "凤城八路"}},
		{"雁塔区", "610113", []string{"小寨东路", "高新路", "太白南路", "长安中路"}},
	}},
	{"江苏省", "南京市", "南京", "025", "3010", 32.0603, 118.7969, []district{
		{"玄武区", "320102", []string{"中山路", "珠江路", "龙蟠中路", "北京东路"}},
		{"秦淮区", "320104", []string{"太平南路", "中华路", "贡院街", "长乐路"}},
		{"建邺区", "320105", []string{"江东中路", "应天大街", "河西大街", "嘉陵江东街"}},
		{"鼓楼区", "320106", []string{"中央路", "汉中路", "湖南路", "广州路"}},
	}},
	{"", "重庆市", "重庆", "023", "6530", 29.5630, 106.5516, []district{
		{"渝中区", "500103", []string{"民族路", "中山三路", "解放东路", "邹容路"}},
		{"江北区", "500105", []string{"建新北路", "洋河一路", "北滨一路", "红旗河沟路"}},
		{"沙坪坝区", "500106", []string{"小龙坎正街", "汉渝路", "沙南街", "天陈路"}},
		{"南岸区", "500108", []string{"南坪西路", "南坪正街", "江南大道", "腾龙大道"}},
		{"渝北区", "500112", []string{"金开大道", "新南路", "黄山大道", "双龙大道"}},
	}},
	{"湖南省", "长沙市", "长沙", "0731", "5510", 28.2282, 112.9388, []district{
		{"芙蓉区", "430102", []string{"五一大道", "芙蓉中路", "韶山北路", "八一路"}},
		{"天心区", "430103", []string{"黄兴中路", "解放西路", "坡子街", "芙蓉南路"}},
		{"岳麓区", "430104", []string{"麓山南路", "枫林一路", "桐梓坡路", "金星中路"}},
		{"开福区", "430105", []string{"湘江中路", "中山路", "湘春路", "芙蓉北路"}},
		{"雨花区", "430111", []string{"韶山中路", "劳动东路", "万家丽中路", "曙光南路"}},
	}},
	{"河南省", "郑州市", "郑州", "0371", "4910", 34.7466, 113.6254, []district{
		{"中原区", "410102", []string{"中原路", "建设西路", "桐柏路", "棉纺路"}},
		{"二七区", "410103", []string{"二七路", "大学路", "解放路", "长江路"}},
		{"管城回族区", "410104", []string{"紫荆山南路", "城东路", "商都路", "东大街"}},
		{"金水区", "410105", []string{"金水路", "花园路", "农业路", "经三路"}},
	}},
}

// hometowns are county codes where many shopkeepers in big cities were
// born, for the region part of their ID numbers.
var hometowns = []string{
	"510722", "511923", "411323", "411522", "430521", "431121", "340825", "341222",
	"362426", "450481", "522422", "130984", "370829", "421126", "500234", "610528",
}

// trade is a kind of business with the merchant category code (MCC) the
// card schemes assign to it.
type trade struct {
	Word string
	MCC  string
}

// microTrades are run by micro-merchants (小微商户): stalls and small shops
// without a business licence.
var microTrades = []trade{
	{"早餐店", "5814"}, {"小吃店", "5814"}, {"奶茶店", "5814"}, {"面馆", "5812"}, {"烧烤店", "5812"},
	{"水果店", "5499"}, {"便利店", "5499"}, {"蔬菜店", "5499"}, {"烟酒店", "5921"}, {"理发店", "7230"},
	{"洗衣店", "7210"}, {"花店", "5992"}, {"五金店", "5251"}, {"裁缝店", "5699"},
}

// individualTrades are run by individual businesses (个体工商户).
var individualTrades = []trade{
	{"火锅店", "5812"}, {"川菜馆", "5812"}, {"饭店", "5812"}, {"酒楼", "5812"}, {"超市", "5411"},
	{"便利店", "5499"}, {"茶叶店", "5499"}, {"药店", "5912"}, {"眼镜店", "8043"}, {"服装店", "5651"},
	{"鞋店", "5661"}, {"手机店", "5732"}, {"家电商行", "5722"}, {"美发店", "7230"}, {"汽车修理厂", "7538"},
	{"洗车行", "7542"}, {"宠物店", "5995"}, {"母婴店", "5641"}, {"口腔诊所", "8021"}, {"文具店", "5943"},
	{"建材店", "5211"}, {"烟酒商行", "5921"}, {"珠宝店", "5944"}, {"宾馆", "7011"},
}

// enterpriseTrades are the company forms (企业) with their MCC.
var enterpriseTrades = []trade{
	{"商贸有限公司", "5311"}, {"餐饮管理有限公司", "5812"}, {"超市有限公司", "5411"}, {"购物广场有限公司", "5411"},
	{"石油销售有限公司", "5541"}, {"珠宝有限公司", "5944"}, {"酒店管理有限公司", "7011"}, {"大酒店有限公司", "7011"},
	{"医药连锁有限公司", "5912"}, {"电器有限公司", "5732"}, {"汽车销售服务有限公司", "5511"}, {"家居有限公司", "5712"},
	{"文化传播有限公司", "5942"},
}

// publicTrades are public institutions (事业单位) that take card payments
// as public-welfare merchants: hospitals and schools. %s is the city.
var publicTrades = []trade{
	{"第%s人民医院", "8062"}, {"中医院", "8062"}, {"妇幼保健院", "8062"},
	{"第%s中学", "8211"}, {"实验小学", "8211"}, {"职业技术学校", "8211"},
}

// chineseNumbers name hospitals and schools: 第三人民医院.
var chineseNumbers = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// brands are trade names (字号) of shops and companies.
var brands = []string{
	"鑫达", "恒通", "金鼎", "瑞丰", "宏图", "佳和", "永盛", "华信", "隆昌", "福源",
	"嘉禾", "盛世", "天禧", "聚福", "顺发", "祥和", "兴旺", "润泽", "博雅", "锦程",
	"安泰", "鸿运", "同福", "丰泽", "宝隆", "万家", "百味", "蜀香", "湘味", "老街",
	"益民", "康宁", "金桥", "明珠", "东方", "金穗", "春晖", "德隆", "悦来", "和顺",
	"天和", "广源", "中盛", "合众", "源丰", "新世纪", "长青", "红叶", "四季", "满堂红",
}

// terminalModel is a POS terminal model; SerialPrefix starts the vendor's
// serial numbers.
type terminalModel struct {
	Vendor, Model, SerialPrefix string
	Weight                      int
}

// terminalModels are the terminals the provider buys, weighted by how many.
var terminalModels = []terminalModel{
	{"新大陆", "N910", "NL", 20}, {"新大陆", "ME31", "NL", 10}, {"新大陆", "N7", "NL", 5},
	{"百富", "A920", "PX", 15}, {"百富", "S90", "PX", 10}, {"百富", "A910", "PX", 5},
	{"联迪", "A8", "LD", 12}, {"联迪", "E350", "LD", 6},
	{"证通", "ZT8350", "ZT", 8},
	{"新国都", "K9", "XGD", 5},
	{"惠尔丰", "VX520", "VF", 4},
}

// cardBINs start the personal settlement cards: UnionPay debit cards of
// 农业银行, 建设银行, 工商银行, 中国银行 and 招商银行.
var cardBINs = []string{"622848", "621700", "622202", "621661", "621483"}

// mobilePrefixes are China Mobile, Unicom and Telecom number blocks.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"180", "181", "182", "183", "185", "186", "187", "188", "189",
}

// mailDomains are the free mail services small merchants use.
var mailDomains = []string{"qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com"}
