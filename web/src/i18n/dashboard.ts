/**
 * Messages of the dashboard screen, in the three languages; spread into en.ts / ko.ts /
 * zh-Hans.ts like the directory's (i18n/directory.ts).
 */
export const dashboardEn = {
  'nav.dashboard': 'Dashboard',

  'dash.title': 'Dashboard',
  'dash.generated': 'Figures as of {time}',
  'dash.months': 'Channel activity over',
  'dash.monthsOption': '{n} months',
  'dash.meetingsPerCity': 'Meetings per partner city and year',
  'dash.actionsPerOrg': 'Open action items per organization',
  'dash.activity': 'Messages per channel and month',
  'dash.sectors': 'Partnerships with counterparts, per sector',
  'dash.open': 'Open',
  'dash.overdue': 'Overdue',
  'dash.partnerships': 'Partnerships',
  'dash.noOrg': 'No organization',
  'dash.empty': 'Nothing to show yet.',
  'dash.chartLabel': '{title} (chart; the numbers are in the table below)',
  'dash.numbers': 'Numbers: {title}',
  'dash.total': 'Total',
  'dash.month': 'Month',
  'dash.organization': 'Organization',
} as const;

export type DashboardKey = keyof typeof dashboardEn;

export const dashboardKo: Record<DashboardKey, string> = {
  'nav.dashboard': '대시보드',

  'dash.title': '대시보드',
  'dash.generated': '{time} 기준',
  'dash.months': '채널 활동 기간',
  'dash.monthsOption': '{n}개월',
  'dash.meetingsPerCity': '중국 교류 도시별·연도별 회의 수',
  'dash.actionsPerOrg': '기관별 진행 중인 후속 조치',
  'dash.activity': '채널별·월별 메시지 수',
  'dash.sectors': '분야별 담당자가 있는 교류 관계 수',
  'dash.open': '진행 중',
  'dash.overdue': '기한 지남',
  'dash.partnerships': '교류 관계',
  'dash.noOrg': '소속 기관 없음',
  'dash.empty': '아직 표시할 자료가 없습니다.',
  'dash.chartLabel': '{title} (차트. 수치는 아래 표에 있습니다)',
  'dash.numbers': '수치: {title}',
  'dash.total': '합계',
  'dash.month': '월',
  'dash.organization': '기관',
};

export const dashboardZhHans: Record<DashboardKey, string> = {
  'nav.dashboard': '数据概览',

  'dash.title': '数据概览',
  'dash.generated': '数据截至 {time}',
  'dash.months': '频道活动时段',
  'dash.monthsOption': '{n} 个月',
  'dash.meetingsPerCity': '各中国友好城市每年的会议数',
  'dash.actionsPerOrg': '各机构未完成的待办事项',
  'dash.activity': '各频道每月消息数',
  'dash.sectors': '各领域有对口负责人的友好关系数',
  'dash.open': '未完成',
  'dash.overdue': '已逾期',
  'dash.partnerships': '友好关系',
  'dash.noOrg': '无所属机构',
  'dash.empty': '暂无数据。',
  'dash.chartLabel': '{title}（图表；数字见下表）',
  'dash.numbers': '数字：{title}',
  'dash.total': '合计',
  'dash.month': '月份',
  'dash.organization': '机构',
};
