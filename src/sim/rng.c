/*
** Deterministic random numbers: xoshiro256** 1.0 seeded through SplitMix64.
**
** Both algorithms follow the definitions of Blackman and Vigna, "Scrambled
** linear pseudorandom number generators" (ACM TOMS 47(4), 2021) and Steele,
** Lea and Flood, "Fast splittable pseudorandom number generators" (OOPSLA
** 2014); the constants are those of the published reference definitions.
*/
#include <math.h>
#include <stddef.h>

#include "ladon/rng.h"
#include "sim/sim_int.h"

/* SplitMix64: a Weyl sequence through a 64-bit finaliser. */
static uint64_t splitmix64_next(uint64_t *x) {
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline uint64_t rotl64(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void ladon_rng_seed(ladon_rng *rng, uint64_t seed) {
  if (rng == NULL) return;
  /* SplitMix64 is a bijection of its counter, so four consecutive outputs
  ** are never all zero: every seed gives a valid xoshiro state. */
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64_next(&x);
}

void ladon_rng_derive(const ladon_rng *parent, uint64_t stream,
                      ladon_rng *out) {
  if (out == NULL) return;
  if (parent == NULL) {
    ladon_rng_seed(out, stream);
    return;
  }
  /* Fold the parent's state and the stream id into one 64-bit seed with the
  ** SplitMix64 finaliser (a bijection per step, so distinct streams of one
  ** parent always give distinct seeds), then seed as usual.  The parent is
  ** only read. */
  uint64_t h = stream;
  for (int i = 0; i < 4; i++) {
    uint64_t x = h ^ parent->s[i];
    h = splitmix64_next(&x);
  }
  ladon_rng_seed(out, h);
}

uint64_t ladon_rng_u64(ladon_rng *rng) {
  uint64_t *s = rng->s;
  const uint64_t result = rotl64(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64(s[3], 45);
  return result;
}

uint64_t ladon_rng_below(ladon_rng *rng, uint64_t bound) {
  /* Lemire, "Fast random integer generation in an interval" (ACM TOMACS
  ** 29(1), 2019): the high word of x * bound is uniform once the low words
  ** below 2^64 mod bound are rejected. */
  __extension__ typedef unsigned __int128 u128;
  if (bound == 0) return 0;
  u128 m = (u128)ladon_rng_u64(rng) * bound;
  uint64_t low = (uint64_t)m;
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
    while (low < threshold) {
      m = (u128)ladon_rng_u64(rng) * bound;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

double ladon_rng_double(ladon_rng *rng) {
  /* The top 53 bits, scaled by 2^-53: every value k * 2^-53, k < 2^53. */
  return (double)(ladon_rng_u64(rng) >> 11) * 0x1.0p-53;
}

/*
** Exponential variates by the ziggurat method (Marsaglia and Tsang, "The
** ziggurat method for generating random variables", J. Stat. Software 5(8),
** 2000), 256 layers of equal area v = 3.949659822581572e-3 under e^-x, the
** last edge at r = 7.697117470131487.  Layer i spans x in [0, x_i): w[i] =
** x_i / 2^53, k[i] = 2^53 x_(i-1) / x_i (the part wholly under the curve)
** and f[i] = e^(-x_i); layer 0 is the base strip, x_0 = v / e^-r, whose part
** beyond r stands for the tail.  The tables below follow the paper's
** recurrence (x_(i-1) = -ln(v / x_i + e^(-x_i))), computed once in double
** precision and frozen here so that they do not depend on the C library;
** tests/unit/test_sim_rng.cpp recomputes them.
*/
#define ZIG_R 7.697117470131487

const uint64_t ladon__zig_k[256] = {
    UINT64_C(7971545857428432), UINT64_C(0), UINT64_C(5485857970335036),
    UINT64_C(6877400373607026), UINT64_C(7489560515620828), UINT64_C(7829793950745594),
    UINT64_C(8045251395085509), UINT64_C(8193552821270842), UINT64_C(8301707212298376),
    UINT64_C(8384003209374800), UINT64_C(8448689755168176), UINT64_C(8500854585063456),
    UINT64_C(8543802742323090), UINT64_C(8579772857648219), UINT64_C(8610334328270385),
    UINT64_C(8636619566280851), UINT64_C(8659465946817868), UINT64_C(8679505875409348),
    UINT64_C(8697225801520766), UINT64_C(8713005977443530), UINT64_C(8727147906454686),
    UINT64_C(8739893704890033), UINT64_C(8751440024696692), UINT64_C(8761948238062957),
    UINT64_C(8771552003860593), UINT64_C(8780362968290607), UINT64_C(8788475114930435),
    UINT64_C(8795968123070792), UINT64_C(8802909988292854), UINT64_C(8809359087581710),
    UINT64_C(8815365821575967), UINT64_C(8820973931588798), UINT64_C(8826221564107155),
    UINT64_C(8831142137483402), UINT64_C(8835765052397425), UINT64_C(8840116277974646),
    UINT64_C(8844218838221542), UINT64_C(8848093218006258), UINT64_C(8851757703688506),
    UINT64_C(8855228670347732), UINT64_C(8858520825126080), UINT64_C(8861647414312948),
    UINT64_C(8864620400320392), UINT64_C(8867450613535031), UINT64_C(8870147883110753),
    UINT64_C(8872721150032147), UINT64_C(8875178565190241), UINT64_C(8877527574738170),
    UINT64_C(8879774994610605), UINT64_C(8881927075778632), UINT64_C(8883989561556503),
    UINT64_C(8885967738067169), UINT64_C(8887866478800855), UINT64_C(8889690284057818),
    UINT64_C(8891443315947665), UINT64_C(8893129429518482), UINT64_C(8894752200505985),
    UINT64_C(8896314950123264), UINT64_C(8897820767252858), UINT64_C(8899272528353282),
    UINT64_C(8900672915349966), UINT64_C(8902024431744705), UINT64_C(8903329417147193),
    UINT64_C(8904590060406013), UINT64_C(8905808411494019), UINT64_C(8906986392283811),
    UINT64_C(8908125806332285), UINT64_C(8909228347778947), UINT64_C(8910295609450181),
    UINT64_C(8911329090250869), UINT64_C(8912330201915375), UINT64_C(8913300275181654),
    UINT64_C(8914240565445169), UINT64_C(8915152257942917), UINT64_C(8916036472512490),
    UINT64_C(8916894267966144), UINT64_C(8917726646115694), UINT64_C(8918534555480191),
    UINT64_C(8919318894705173), UINT64_C(8920080515719157), UINT64_C(8920820226650619),
    UINT64_C(8921538794526266), UINT64_C(8922236947769419), UINT64_C(8922915378515481),
    UINT64_C(8923574744759819), UINT64_C(8924215672351959), UINT64_C(8924838756848638),
    UINT64_C(8925444565237162), UINT64_C(8926033637539416), UINT64_C(8926606488305931),
    UINT64_C(8927163608008600), UINT64_C(8927705464339881), UINT64_C(8928232503425544),
    UINT64_C(8928745150957558), UINT64_C(8929243813252980), UINT64_C(8929728878244356),
    UINT64_C(8930200716406567), UINT64_C(8930659681624711), UINT64_C(8931106112007191),
    UINT64_C(8931540330647877), UINT64_C(8931962646340833), UINT64_C(8932373354250910),
    UINT64_C(8932772736543126), UINT64_C(8933161062973653), UINT64_C(8933538591444896),
    UINT64_C(8933905568527004), UINT64_C(8934262229948011), UINT64_C(8934608801054530),
    UINT64_C(8934945497244894), UINT64_C(8935272524376415), UINT64_C(8935590079148328),
    UINT64_C(8935898349461877), UINT64_C(8936197514758883), UINT64_C(8936487746340036),
    UINT64_C(8936769207664049), UINT64_C(8937042054628745), UINT64_C(8937306435835060),
    UINT64_C(8937562492834856), UINT64_C(8937810360363403), UINT64_C(8938050166557285),
    UINT64_C(8938282033158467), UINT64_C(8938506075705163), UINT64_C(8938722403710132),
    UINT64_C(8938931120826947), UINT64_C(8939132325004766), UINT64_C(8939326108632064),
    UINT64_C(8939512558669763), UINT64_C(8939691756774158), UINT64_C(8939863779409990),
    UINT64_C(8940028697953971), UINT64_C(8940186578789100), UINT64_C(8940337483389967),
    UINT64_C(8940481468399304), UINT64_C(8940618585695992), UINT64_C(8940748882454663),
    UINT64_C(8940872401197050), UINT64_C(8940989179835209), UINT64_C(8941099251706688),
    UINT64_C(8941202645601704), UINT64_C(8941299385782369), UINT64_C(8941389491993960),
    UINT64_C(8941472979468231), UINT64_C(8941549858918698), UINT64_C(8941620136527849),
    UINT64_C(8941683813926148), UINT64_C(8941740888162739), UINT64_C(8941791351667641),
    UINT64_C(8941835192205302), UINT64_C(8941872392819227), UINT64_C(8941902931767474),
    UINT64_C(8941926782448691), UINT64_C(8941943913318396), UINT64_C(8941954287795084),
    UINT64_C(8941957864155808), UINT64_C(8941954595420726), UINT64_C(8941944429226145),
    UINT64_C(8941927307685494), UINT64_C(8941903167237603), UINT64_C(8941871938481652),
    UINT64_C(8941833545998017), UINT64_C(8941787908154234), UINT64_C(8941734936895207),
    UINT64_C(8941674537516675), UINT64_C(8941606608420920), UINT64_C(8941531040853538),
    UINT64_C(8941447718620058), UINT64_C(8941356517781006), UINT64_C(8941257306323959),
    UINT64_C(8941149943810914), UINT64_C(8941034280999230), UINT64_C(8940910159434165),
    UINT64_C(8940777411010893), UINT64_C(8940635857503636), UINT64_C(8940485310059378),
    UINT64_C(8940325568653337), UINT64_C(8940156421503112), UINT64_C(8939977644438114),
    UINT64_C(8939789000220574), UINT64_C(8939590237814001), UINT64_C(8939381091594596),
    UINT64_C(8939161280500638), UINT64_C(8938930507114327), UINT64_C(8938688456670013),
    UINT64_C(8938434795982095), UINT64_C(8938169172285112), UINT64_C(8937891211977749),
    UINT64_C(8937600519261605), UINT64_C(8937296674664433), UINT64_C(8936979233436517),
    UINT64_C(8936647723807416), UINT64_C(8936301645088910), UINT64_C(8935940465608203),
    UINT64_C(8935563620453575), UINT64_C(8935170509012444), UINT64_C(8934760492279317),
    UINT64_C(8934332889908231), UINT64_C(8933886976981031), UINT64_C(8933421980459035),
    UINT64_C(8932937075281381), UINT64_C(8932431380068266), UINT64_C(8931903952381602),
    UINT64_C(8931353783488910), UINT64_C(8930779792568492), UINT64_C(8930180820284953),
    UINT64_C(8929555621653499), UINT64_C(8928902858099223), UINT64_C(8928221088602964),
    UINT64_C(8927508759808348), UINT64_C(8926764194944404), UINT64_C(8925985581394243),
    UINT64_C(8925170956711905), UINT64_C(8924318192855506), UINT64_C(8923424978364231),
    UINT64_C(8922488798157887), UINT64_C(8921506910578771), UINT64_C(8920476321224196),
    UINT64_C(8919393753031106), UINT64_C(8918255611967910), UINT64_C(8917057947558149),
    UINT64_C(8915796407299444), UINT64_C(8914466183841290), UINT64_C(8913061953535784),
    UINT64_C(8911577804662434), UINT64_C(8910007153233212), UINT64_C(8908342643782163),
    UINT64_C(8906576031902207), UINT64_C(8904698044465301), UINT64_C(8902698212389653),
    UINT64_C(8900564669414922), UINT64_C(8898283908495805), UINT64_C(8895840484961220),
    UINT64_C(8893216652275640), UINT64_C(8890391911743352), UINT64_C(8887342451323378),
    UINT64_C(8884040440144924), UINT64_C(8880453133239799), UINT64_C(8876541723776517),
    UINT64_C(8872259855113101), UINT64_C(8867551668208538), UINT64_C(8862349204777251),
    UINT64_C(8856568902200011), UINT64_C(8850106784293914), UINT64_C(8842831740745000),
    UINT64_C(8834575940248163), UINT64_C(8825120832349120), UINT64_C(8814176156651885),
    UINT64_C(8801347484544981), UINT64_C(8786084197194139), UINT64_C(8767592496903170),
    UINT64_C(8744682338845705), UINT64_C(8715480686119898), UINT64_C(8676850260251915),
    UINT64_C(8623083654098327), UINT64_C(8542525795804754), UINT64_C(8406823688997732),
    UINT64_C(8122426762520581),
};
const double ladon__zig_w[256] = {
    0x1.164ec94bf6631p-50, 0x1.0589d8b5d3a98p-57, 0x1.ad6b2495b485dp-57,
    0x1.19335a95b8bbep-56, 0x1.522e6e54a28b8p-56, 0x1.85090fbc278f4p-56,
    0x1.b38d1ef79b663p-56, 0x1.decd8b76dbc47p-56, 0x1.03bf049c65b9dp-55,
    0x1.170db24d6f5d9p-55, 0x1.2980290da25a2p-55, 0x1.3b388fe3d6e40p-55,
    0x1.4c515c60bfd9cp-55, 0x1.5cdf89d024a44p-55, 0x1.6cf40f0a72b42p-55,
    0x1.7c9cdda17cfa2p-55, 0x1.8be5954d35ffcp-55, 0x1.9ad8055223764p-55,
    0x1.a97c8be5d519bp-55, 0x1.b7da5dddda35dp-55, 0x1.c5f7bd78c3f25p-55,
    0x1.d3da24df17bd4p-55, 0x1.e186678f172fcp-55, 0x1.ef00ccf5f4f4ep-55,
    0x1.fc4d25d6831aep-55, 0x1.04b76ed6a752bp-54, 0x1.0b348479b80d0p-54,
    0x1.119f38749f584p-54, 0x1.17f8ceb4bdf77p-54, 0x1.1e426e93e49bep-54,
    0x1.247d26538ff07p-54, 0x1.2aa9ee12367e4p-54, 0x1.30c9aa526da26p-54,
    0x1.36dd2e26d81dep-54, 0x1.3ce53d121627cp-54, 0x1.42e28ca706726p-54,
    0x1.48d5c5f35e6f0p-54, 0x1.4ebf86bcd0b72p-54, 0x1.54a0629786f2bp-54,
    0x1.5a78e3db8beddp-54, 0x1.60498c7dd2eafp-54, 0x1.6612d6d0c68c1p-54,
    0x1.6bd5362faa926p-54, 0x1.719117979909ep-54, 0x1.7746e23077956p-54,
    0x1.7cf6f7c7e8155p-54, 0x1.82a1b53fed57dp-54, 0x1.884772f2be1d0p-54,
    0x1.8de8850d0c50ep-54, 0x1.93853bdfda22ap-54, 0x1.991de42ad131ep-54,
    0x1.9eb2c75ff03a4p-54, 0x1.a4442be148830p-54, 0x1.a9d255396d247p-54,
    0x1.af5d844f224b0p-54, 0x1.b4e5f794c9782p-54, 0x1.ba6beb33f8f70p-54,
    0x1.bfef99359fe80p-54, 0x1.c57139a70d286p-54, 0x1.caf102bc25ac3p-54,
    0x1.d06f28ef0e6e3p-54, 0x1.d5ebdf1d86b75p-54, 0x1.db6756a429040p-54,
    0x1.e0e1bf77c31e7p-54, 0x1.e65b483cf102dp-54, 0x1.ebd41e5e21b4cp-54,
    0x1.f14c6e202948ap-54, 0x1.f6c462b57fea0p-54, 0x1.fc3c26504a98bp-54,
    0x1.00d9f119a3ccep-53, 0x1.0395df60db157p-53, 0x1.0651f1c7276eep-53,
    0x1.090e3bb4b0069p-53, 0x1.0bcad0371012ep-53, 0x1.0e87c207a2f5dp-53,
    0x1.114523917ac0dp-53, 0x1.140306f707db5p-53, 0x1.16c17e1777ff2p-53,
    0x1.19809a93d238cp-53, 0x1.1c406dd3d5279p-53, 0x1.1f01090a9c4d8p-53,
    0x1.21c27d3b10dfbp-53, 0x1.2484db3c2a320p-53, 0x1.274833bd01896p-53,
    0x1.2a0c9748bcda1p-53, 0x1.2cd2164a53b55p-53, 0x1.2f98c11031718p-53,
    0x1.3260a7cfb7609p-53, 0x1.3529daa8a1b99p-53, 0x1.37f469a851ae8p-53,
    0x1.3ac064ccfeff5p-53, 0x1.3d8ddc08d3366p-53, 0x1.405cdf44f09bdp-53,
    0x1.432d7e6466cc9p-53, 0x1.45ffc94716ca0p-53, 0x1.48d3cfcc883bdp-53,
    0x1.4ba9a1d6b189dp-53, 0x1.4e814f4cb45e3p-53, 0x1.515ae81d900f4p-53,
    0x1.54367c42cb5f1p-53, 0x1.57141bc316f21p-53, 0x1.59f3d6b4e9cf3p-53,
    0x1.5cd5bd411932fp-53, 0x1.5fb9dfa56cf21p-53, 0x1.62a04e3731a28p-53,
    0x1.65891965c9b87p-53, 0x1.687451bd3ebeap-53, 0x1.6b6207e8d3cdbp-53,
    0x1.6e524cb59a604p-53, 0x1.714531150a9f7p-53, 0x1.743ac61fa0419p-53,
    0x1.77331d177d12dp-53, 0x1.7a2e476b12408p-53, 0x1.7d2c56b7d17f5p-53,
    0x1.802d5ccce7275p-53, 0x1.83316badfe628p-53, 0x1.86389596108e5p-53,
    0x1.8942ecfa40f52p-53, 0x1.8c50848cc6092p-53, 0x1.8f616f3fe1511p-53,
    0x1.9275c048e73dfp-53, 0x1.958d8b2358288p-53, 0x1.98a8e3940bbf2p-53,
    0x1.9bc7ddac7035bp-53, 0x1.9eea8dcdde950p-53, 0x1.a21108ad0592cp-53,
    0x1.a53b63556c68ep-53, 0x1.a869b32d0f30ep-53, 0x1.ab9c0df816579p-53,
    0x1.aed289dcaacffp-53, 0x1.b20d3d66e8bb6p-53, 0x1.b54c3f8cf2543p-53,
    0x1.b88fa7b324fb7p-53, 0x1.bbd78db072612p-53, 0x1.bf2409d2dfd87p-53,
    0x1.c27534e42e02fp-53, 0x1.c5cb282eab1a7p-53, 0x1.c925fd82323fep-53,
    0x1.cc85cf395a56fp-53, 0x1.cfeab83ed7183p-53, 0x1.d354d4130f2b1p-53,
    0x1.d6c43ed1ea402p-53, 0x1.da391538da50ep-53, 0x1.ddb374ad23583p-53,
    0x1.e1337b42650a0p-53, 0x1.e4b947c16a456p-53, 0x1.e844f9af42384p-53,
    0x1.ebd6b154a767ep-53, 0x1.ef6e8fc5b916ep-53, 0x1.f30cb6ea0bc85p-53,
    0x1.f6b1498515ed6p-53, 0x1.fa5c6b3efe1ecp-53, 0x1.fe0e40add09e0p-53,
    0x1.00e377af911d8p-52, 0x1.02c34ef11391ep-52, 0x1.04a6b9e9224a6p-52,
    0x1.068dccf1126dep-52, 0x1.08789cf3aad12p-52, 0x1.0a673f733c81dp-52,
    0x1.0c59ca9009473p-52, 0x1.0e50550efcfbbp-52, 0x1.104af660befd2p-52,
    0x1.1249c6a92154ep-52, 0x1.144cdec6f3a2fp-52, 0x1.1654585c404c4p-52,
    0x1.18604dd6faea1p-52, 0x1.1a70da7a27824p-52, 0x1.1c861a6782a5ep-52,
    0x1.1ea02aa9b3374p-52, 0x1.20bf293f0f4a5p-52, 0x1.22e33524fe553p-52,
    0x1.250c6e6403bbdp-52, 0x1.273af61c7daa9p-52, 0x1.296eee942532ep-52,
    0x1.2ba87b445db54p-52, 0x1.2de7c0e962d74p-52, 0x1.302ce59265969p-52,
    0x1.327810b2aa7d5p-52, 0x1.34c96b33bc96ap-52, 0x1.37211f88ca85bp-52,
    0x1.397f59c345148p-52, 0x1.3be447a8d8b88p-52, 0x1.3e5018cadded4p-52,
    0x1.40c2fe9f5eeb2p-52, 0x1.433d2c9bd42fdp-52, 0x1.45bed851bc932p-52,
    0x1.4848398d39438p-52, 0x1.4ad98a75da152p-52, 0x1.4d7307b1cb12dp-52,
    0x1.5014f08b9950fp-52, 0x1.52bf871acaab9p-52, 0x1.5573106f8a762p-52,
    0x1.582fd4c1b4469p-52, 0x1.5af61fa38e10fp-52, 0x1.5dc640388bda5p-52,
    0x1.60a0897081881p-52, 0x1.63855247b2e9dp-52, 0x1.6674f60c3f43bp-52,
    0x1.696fd4a9748f8p-52, 0x1.6c7652f9a7b28p-52, 0x1.6f88db1f42511p-52,
    0x1.72a7dce5cd222p-52, 0x1.75d3ce2bd71cep-52, 0x1.790d2b56b7205p-52,
    0x1.7c5477d1476e0p-52, 0x1.7faa3e96e1420p-52, 0x1.830f12cc0bed1p-52,
    0x1.8683906687350p-52, 0x1.8a085ce695bb9p-52, 0x1.8d9e2823b36a4p-52,
    0x1.9145ad2f37553p-52, 0x1.94ffb34fc2a1ep-52, 0x1.98cd0f18d1ae8p-52,
    0x1.9caea3a24d9fbp-52, 0x1.a0a563e49f18ap-52, 0x1.a4b2543e84c4ep-52,
    0x1.a8d68c2ad86fdp-52, 0x1.ad13382d845d9p-52, 0x1.b1699c003b61fp-52,
    0x1.b5db15091ea25p-52, 0x1.ba691d276da75p-52, 0x1.bf154de4bef8fp-52,
    0x1.c3e1641c2e0c0p-52, 0x1.c8cf442c8c90ep-52, 0x1.cde0fecf2a99bp-52,
    0x1.d318d6b2738e2p-52, 0x1.d87946fec3c0ap-52, 0x1.de050af4ef1bep-52,
    0x1.e3bf26e190980p-52, 0x1.e9aaf2af383e2p-52, 0x1.efcc26750ea6cp-52,
    0x1.f626e9791f7cbp-52, 0x1.fcbfe43f6c70cp-52, 0x1.01ce2b362ec42p-51,
    0x1.056118bf58f04p-51, 0x1.091c1cdcba564p-51, 0x1.0d031785d48b8p-51,
    0x1.111a8034392c0p-51, 0x1.1567867754445p-51, 0x1.19f03bcb3c2f3p-51,
    0x1.1ebbca0c9fa9bp-51, 0x1.23d2bb65991c0p-51, 0x1.293f5ae49aac9p-51,
    0x1.2f0e38a441217p-51, 0x1.354ee27ccf788p-51, 0x1.3c14ec7c8b890p-51,
    0x1.4379766e41396p-51, 0x1.4b9d7cd47520cp-51, 0x1.54ad83ccf7438p-51,
    0x1.5ee7ae173141fp-51, 0x1.6aa676d4bbfcbp-51, 0x1.78750d6eac69ap-51,
    0x1.8939fe6f2ed9fp-51, 0x1.9e9dc0d487c37p-51, 0x1.bc39e51da7303p-51,
    0x1.ec9d9297ebd6fp-51,
};
const double ladon__zig_f[256] = {
    0x1.0000000000000p+0, 0x1.e0545e58811fap-1, 0x1.cd0a65082007bp-1,
    0x1.be5007beb7b96p-1, 0x1.b210f0ee67f88p-1, 0x1.a76baa562fb39p-1,
    0x1.9de9715556de4p-1, 0x1.95431c455aa7cp-1, 0x1.8d4a376d3d26dp-1,
    0x1.85de87806c5f1p-1, 0x1.7ee8a2d24315cp-1, 0x1.7856e9b09d4b1p-1,
    0x1.721bb5ba94b93p-1, 0x1.6c2c3498418f3p-1, 0x1.667fa6d4f5c31p-1,
    0x1.610edc1a7af8fp-1, 0x1.5bd3d694cac9cp-1, 0x1.56c9882da8798p-1,
    0x1.51eba157889bdp-1, 0x1.4d366c151f8d0p-1, 0x1.48a6afb8ee089p-1,
    0x1.44399afa8e144p-1, 0x1.3fecb2bb18b9dp-1, 0x1.3bbdc44e1d130p-1,
    0x1.37aada708ddf5p-1, 0x1.33b23450e6333p-1, 0x1.2fd23e345da78p-1,
    0x1.2c098b61f4f3dp-1, 0x1.2856d111132d5p-1, 0x1.24b8e228c50bap-1,
    0x1.212eaba813edfp-1, 0x1.1db7319877b9fp-1, 0x1.1a518c71e3b3ap-1,
    0x1.16fce6dce7002p-1, 0x1.13b87bc3316afp-1, 0x1.108394a1cc39fp-1,
    0x1.0d5d8812b1e3dp-1, 0x1.0a45b8854d03bp-1, 0x1.073b931ee3b8ep-1,
    0x1.043e8ebd26558p-1, 0x1.014e2b160f334p-1, 0x1.fcd3dfe214595p-2,
    0x1.f722d8ebfc618p-2, 0x1.f1886d1eb426ap-2, 0x1.ec03d4b969dacp-2,
    0x1.e6945367dd36cp-2, 0x1.e139375e13817p-2, 0x1.dbf1d88a72126p-2,
    0x1.d6bd97db9ed93p-2, 0x1.d19bde97e1a23p-2, 0x1.cc8c1dc40e0aap-2,
    0x1.c78dcd983fb78p-2, 0x1.c2a06d00ea59ap-2, 0x1.bdc3812aeeeccp-2,
    0x1.b8f6951990b9ep-2, 0x1.b439394548085p-2, 0x1.af8b03428ef75p-2,
    0x1.aaeb8d6fdf6fap-2, 0x1.a65a76aa30154p-2, 0x1.a1d7620752207p-2,
    0x1.9d61f695a37a5p-2, 0x1.98f9df2097bbbp-2, 0x1.949ec9f9a8122p-2,
    0x1.905068c545d16p-2, 0x1.8c0e704b75d4bp-2, 0x1.87d8984bc3f9dp-2,
    0x1.83ae9b5446149p-2, 0x1.7f90369b6ce69p-2, 0x1.7b7d29dc6802ep-2,
    0x1.77753735e72f3p-2, 0x1.7378230b08dfap-2, 0x1.6f85b3e649eabp-2,
    0x1.6b9db25e4e9a9p-2, 0x1.67bfe8fc60dabp-2, 0x1.63ec2424827f0p-2,
    0x1.602231fef5882p-2, 0x1.5c61e2631ee78p-2, 0x1.58ab06c3aa9fbp-2,
    0x1.54fd721bda3f3p-2, 0x1.5158f8dde8a02p-2, 0x1.4dbd70e26f92ap-2,
    0x1.4a2ab158bdadfp-2, 0x1.46a092b80befbp-2, 0x1.431eeeb1841edp-2,
    0x1.3fa5a0230a159p-2, 0x1.3c34830abb28fp-2, 0x1.38cb747b17df9p-2,
    0x1.356a528fcd0e7p-2, 0x1.3210fc631243ep-2, 0x1.2ebf520394279p-2,
    0x1.2b75346ae226bp-2, 0x1.2832857457631p-2, 0x1.24f727d477705p-2,
    0x1.21c2ff10b7f07p-2, 0x1.1e95ef77b09e2p-2, 0x1.1b6fde19abc61p-2,
    0x1.1850b0c191989p-2, 0x1.15384dee291f7p-2, 0x1.12269ccba9fc2p-2,
    0x1.0f1b852d9a673p-2, 0x1.0c16ef88f5339p-2, 0x1.0918c4ee93e19p-2,
    0x1.0620ef05d90d8p-2, 0x1.032f580797c32p-2, 0x1.0043eab934770p-2,
    0x1.fabd24cff935fp-3, 0x1.f4fe75c963e87p-3, 0x1.ef4ba0fe8e0a4p-3,
    0x1.e9a48005940f9p-3, 0x1.e408ed62f83aep-3, 0x1.de78c48224f3ep-3,
    0x1.d8f3e1ae3eebdp-3, 0x1.d37a220b43201p-3, 0x1.ce0b638f6d0a2p-3,
    0x1.c8a784fce1805p-3, 0x1.c34e65db9aff1p-3, 0x1.bdffe67394438p-3,
    0x1.b8bbe7c72e4a8p-3, 0x1.b3824b8dcef41p-3, 0x1.ae52f42eb5b0fp-3,
    0x1.a92dc4bc03c4cp-3, 0x1.a412a0edf5cbfp-3, 0x1.9f016d1e4c515p-3,
    0x1.99fa0e43e1626p-3, 0x1.94fc69ee692a3p-3, 0x1.900866425bb7bp-3,
    0x1.8b1de9f5062d7p-3, 0x1.863cdc48c1afbp-3, 0x1.816525094e7e7p-3,
    0x1.7c96ac8851bafp-3, 0x1.77d15b99f46fdp-3, 0x1.73151b91a2838p-3,
    0x1.6e61d63ee84e9p-3, 0x1.69b775ea6da26p-3, 0x1.6515e5530d1a9p-3,
    0x1.607d0fab06a2ep-3, 0x1.5bece0954c2b2p-3, 0x1.57654422e78f1p-3,
    0x1.52e626d078c45p-3, 0x1.4e6f7583cb6f5p-3, 0x1.4a011d8983091p-3,
    0x1.459b0c92dccc1p-3, 0x1.413d30b386a95p-3, 0x1.3ce7785f8a900p-3,
    0x1.3899d2694d5c4p-3, 0x1.34542dffa0caap-3, 0x1.30167aabe7d68p-3,
    0x1.2be0a8504cf2dp-3, 0x1.27b2a72609939p-3, 0x1.238c67bbbe871p-3,
    0x1.1f6ddaf3dca5ep-3, 0x1.1b56f2031d65fp-3, 0x1.17479e6f0ae70p-3,
    0x1.133fd20c97127p-3, 0x1.0f3f7efec1719p-3, 0x1.0b4697b54b629p-3,
    0x1.07550eeb7a5b8p-3, 0x1.036ad7a6e7efep-3, 0x1.ff0fca6cbea7fp-4,
    0x1.f758566190406p-4, 0x1.efaf3ae83c32dp-4, 0x1.e8146048eb9bep-4,
    0x1.e087af561baedp-4, 0x1.d909116ad938ap-4, 0x1.d198706914dcap-4,
    0x1.ca35b6b80fd4bp-4, 0x1.c2e0cf42e10a3p-4, 0x1.bb99a57712681p-4,
    0x1.b46025435653bp-4, 0x1.ad343b1655459p-4, 0x1.a615d3dd938acp-4,
    0x1.9f04dd046f41ep-4, 0x1.9801447336b67p-4, 0x1.910af88e574b0p-4,
    0x1.8a21e835a5331p-4, 0x1.834602c3bc4aep-4, 0x1.7c77380d7a6e6p-4,
    0x1.75b5786193c10p-4, 0x1.6f00b488416a9p-4, 0x1.6858ddc30b613p-4,
    0x1.61bde5ccadeeap-4, 0x1.5b2fbed91bb32p-4, 0x1.54ae5b959d02ap-4,
    0x1.4e39af290d91cp-4, 0x1.47d1ad343984fp-4, 0x1.417649d25b100p-4,
    0x1.3b277999b9f90p-4, 0x1.34e5319c6e709p-4, 0x1.2eaf676948dc3p-4,
    0x1.2886110ce0561p-4, 0x1.22692512c9d7bp-4, 0x1.1c589a86fa32ep-4,
    0x1.165468f755381p-4, 0x1.105c88756ca40p-4, 0x1.0a70f19871b2cp-4,
    0x1.04919d7f5c806p-4, 0x1.fd7d0ba699654p-5, 0x1.f1ef49944e811p-5,
    0x1.e679ea52eb2c1p-5, 0x1.db1ce493157ebp-5, 0x1.cfd83031e7925p-5,
    0x1.c4abc640721c5p-5, 0x1.b997a10bed95ep-5, 0x1.ae9bbc26a805bp-5,
    0x1.a3b81471bf10dp-5, 0x1.98eca827b7c20p-5, 0x1.8e3976e807742p-5,
    0x1.839e81c3a3940p-5, 0x1.791bcb4ab0873p-5, 0x1.6eb1579b6af28p-5,
    0x1.645f2c726a017p-5, 0x1.5a25513c5d29fp-5, 0x1.5003cf296c5c1p-5,
    0x1.45fab14266aedp-5, 0x1.3c0a047ff18d2p-5, 0x1.3231d7e3f1481p-5,
    0x1.28723c956bfdfp-5, 0x1.1ecb45ff312a6p-5, 0x1.153d09f19b373p-5,
    0x1.0bc7a0c7cd624p-5, 0x1.026b2590dfac0p-5, 0x1.f24f6c7af9834p-6,
    0x1.dffae7a51740bp-6, 0x1.cdd9054331aadp-6, 0x1.bbea150fa5810p-6,
    0x1.aa2e6e6924e3bp-6, 0x1.98a670f1329e9p-6, 0x1.8752853ec9909p-6,
    0x1.76331da87fc38p-6, 0x1.6548b72a2401bp-6, 0x1.5493da6ab01f6p-6,
    0x1.44151ce87f062p-6, 0x1.33cd225315d27p-6, 0x1.23bc9e1b939d5p-6,
    0x1.13e4554725f02p-6, 0x1.04452091e0295p-6, 0x1.e9bfdde89c716p-7,
    0x1.cb6b9146e269fp-7, 0x1.ad8fa5542c878p-7, 0x1.902ea688fa706p-7,
    0x1.734b6e6aa7443p-7, 0x1.56e930be4161cp-7, 0x1.3b0b8c1516eb2p-7,
    0x1.1fb69edb375c3p-7, 0x1.04ef2295fd74cp-7, 0x1.d5751fa745c6dp-8,
    0x1.a23e9d49746e1p-8, 0x1.7049f37ec34cdp-8, 0x1.3fa97cee321b2p-8,
    0x1.1073d69573efdp-8, 0x1.c58b381cd489ap-9, 0x1.6d888f3a1fc9bp-9,
    0x1.1946ba8e1a0d9p-9, 0x1.92bb5540c39c6p-10, 0x1.fb20af78df493p-11,
    0x1.dc31c329efcfbp-12,
};
/* The ziggurat's index takes the low 8 bits of a draw and the abscissa the
** top 53, so the two never share bits.  About 98.9 % of draws return from
** the first comparison; the rest test the wedge with exp() or, below layer
** 0, return r plus a fresh exponential (the tail is memoryless). */
static double exp1(ladon_rng *rng) {
  for (;;) {
    const uint64_t u = ladon_rng_u64(rng);
    const unsigned i = (unsigned)(u & 0xff);
    const uint64_t j = u >> 11;
    const double x = (double)j * ladon__zig_w[i];
    if (j < ladon__zig_k[i]) return x;
    if (i == 0) {
      /* 1 - u, uniform on (0, 1]: the logarithm is finite. */
      double v = (double)((ladon_rng_u64(rng) >> 11) + 1) * 0x1.0p-53;
      return ZIG_R - log(v);
    }
    const double y = ladon__zig_f[i] +
                     ladon_rng_double(rng) * (ladon__zig_f[i - 1] - ladon__zig_f[i]);
    if (y < exp(-x)) return x;
  }
}

double ladon_rng_exponential(ladon_rng *rng, double mean) {
  if (!(mean > 0.0)) return 0.0; /* also rejects NaN */
  return mean * exp1(rng);
}

uint64_t ladon_hash_string(const char *s) {
  uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a 64 offset basis */
  if (s == NULL) return h;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= UINT64_C(0x100000001b3); /* FNV 64-bit prime */
  }
  return h;
}
