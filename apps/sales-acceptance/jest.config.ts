export default {
  displayName: 'app-sales-acceptance',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/sales-acceptance',
};
