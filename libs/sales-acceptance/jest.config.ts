export default {
  displayName: 'sales-acceptance',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/sales-acceptance',
};
